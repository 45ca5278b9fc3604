// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DemoRates} from "./DemoRates.sol";

/**
 * @title DemoSwapRouterV2
 * @notice A devnet-only router with the call shape of a Uniswap V2 router's exact-input swap along a path,
 * so session policies can be shown on a familiar function. Each hop converts at the fixed rates of
 * `DemoRates`; the router takes the first token and pays the last one out of what it holds.
 */
contract DemoSwapRouterV2 is DemoRates {
    /// @notice A path needs at least two tokens.
    error DemoSwapPathTooShort(uint256 length);
    /// @notice The deadline has passed.
    error DemoSwapExpired(uint256 deadline, uint256 timestamp);

    /// @notice Swaps `amountIn` of `path[0]` (approve this router first) hop by hop along `path` and pays
    /// the last token to `to`. `amounts[i]` is the amount of `path[i]`. Reverts after `deadline`.
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts) {
        if (block.timestamp > deadline) revert DemoSwapExpired(deadline, block.timestamp);
        uint256 hops = path.length;
        if (hops < 2) revert DemoSwapPathTooShort(hops);
        amounts = new uint256[](hops);
        amounts[0] = amountIn;
        for (uint256 i = 1; i < hops; ++i) {
            amounts[i] = quote(path[i - 1], path[i], amounts[i - 1]);
        }
        uint256 amountOut = amounts[hops - 1];
        if (amountOut < amountOutMin) revert DemoSwapOutputTooLow(amountOut, amountOutMin);
        _settle(path[0], amountIn, path[hops - 1], amountOut, to);
    }
}
