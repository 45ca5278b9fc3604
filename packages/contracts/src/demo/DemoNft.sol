// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * @title DemoNft
 * @notice A devnet-only ERC-721 whose `safeMint` anyone may call; token ids count up from 1. Never deploy it
 * anywhere that matters.
 */
contract DemoNft is ERC721 {
    /// @notice How many tokens were minted; also the id of the latest one.
    uint256 public totalMinted;

    constructor(string memory name_, string memory symbol_) ERC721(name_, symbol_) {}

    /// @notice Mints the next token id to `to`. Open to anyone. The receiver is not asked to acknowledge
    /// the token (no `onERC721Received` call), so a smart account without an ERC-721 receiver can get one:
    /// an account can move its tokens anyway.
    function safeMint(address to) external returns (uint256 tokenId) {
        tokenId = ++totalMinted;
        _mint(to, tokenId);
    }
}
