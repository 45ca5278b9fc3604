// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DemoRates} from "./DemoRates.sol";

/**
 * @title DemoSwapRouterV3
 * @notice A devnet-only router with the call shape of a Uniswap V3 router's single-pool exact-input swap,
 * so session policies can be shown on a familiar function. It swaps at the fixed rates of `DemoRates`:
 * `fee` and `sqrtPriceLimitX96` are accepted and ignored. It takes no native currency.
 */
contract DemoSwapRouterV3 is DemoRates {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    /// @notice The router takes no native currency; the call carried `value` wei.
    error DemoSwapValueRefused(uint256 value);

    /// @notice Swaps `amountIn` of `tokenIn` (approve this router first) for `tokenOut`, paid to `recipient`.
    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut) {
        if (msg.value != 0) revert DemoSwapValueRefused(msg.value);
        amountOut = quote(params.tokenIn, params.tokenOut, params.amountIn);
        if (amountOut < params.amountOutMinimum) revert DemoSwapOutputTooLow(amountOut, params.amountOutMinimum);
        _settle(params.tokenIn, params.amountIn, params.tokenOut, amountOut, params.recipient);
    }
}
