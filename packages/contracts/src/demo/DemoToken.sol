// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title DemoToken
 * @notice A devnet-only ERC-20 with 6 decimals (like USDC) whose `mint` anyone may call. Never deploy it
 * anywhere that matters.
 */
contract DemoToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to `to`. Open to anyone: this token exists only for demos and tests.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
