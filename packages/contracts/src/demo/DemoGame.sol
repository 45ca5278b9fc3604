// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title DemoGame
 * @notice A devnet-only game on an 8×8 board: each player moves to a square and the game remembers where
 * they are and how many moves they made, for demos and tests of session keys.
 */
contract DemoGame {
    struct Player {
        uint8 x;
        uint8 y;
        uint240 moves;
    }

    mapping(address player => Player) private _players;

    event Moved(address indexed player, uint8 x, uint8 y, uint256 moves);

    /// @notice The square is off the board: `x` and `y` go from 0 to 7.
    error DemoGameOffBoard(uint8 x, uint8 y);

    /// @notice Moves the caller to square (`x`, `y`).
    function move(uint8 x, uint8 y) external {
        if (x > 7 || y > 7) revert DemoGameOffBoard(x, y);
        Player storage player = _players[msg.sender];
        uint240 moves = player.moves + 1;
        (player.x, player.y, player.moves) = (x, y, moves);
        emit Moved(msg.sender, x, y, moves);
    }

    /// @notice Where `player` moved last; (0, 0) also before the first move (see `movesOf`).
    function positionOf(address player) external view returns (uint8 x, uint8 y) {
        Player storage p = _players[player];
        return (p.x, p.y);
    }

    /// @notice How many moves `player` made.
    function movesOf(address player) external view returns (uint256) {
        return _players[player].moves;
    }
}
