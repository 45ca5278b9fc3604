// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/**
 * @title DemoRates
 * @notice Fixed exchange rates and settlement shared by the demo swap routers. A rate converts raw token
 * units: `amountOut = amountIn × numerator / denominator` (rounded down), so token decimals are the
 * caller's business (1 unit of a 6-decimals token for 1 unit of an 18-decimals one is 1e12 / 1).
 *
 * Anyone may set any rate and anyone may fund a router by transferring tokens to it: a router pays out of
 * what it holds. Devnet only.
 */
abstract contract DemoRates {
    using SafeERC20 for IERC20;

    struct Rate {
        uint256 numerator;
        uint256 denominator;
    }

    mapping(address tokenIn => mapping(address tokenOut => Rate)) private _rates;

    event RateSet(address indexed tokenIn, address indexed tokenOut, uint256 numerator, uint256 denominator);
    event Swapped(
        address indexed sender,
        address indexed recipient,
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 amountOut
    );

    /// @notice A rate needs a non-zero numerator and denominator.
    error DemoRateInvalid(uint256 numerator, uint256 denominator);
    /// @notice No rate was set from `tokenIn` to `tokenOut`.
    error DemoRateNotSet(address tokenIn, address tokenOut);
    /// @notice The swap would pay less than the caller's minimum.
    error DemoSwapOutputTooLow(uint256 amountOut, uint256 amountOutMinimum);
    /// @notice The router holds `available` of `token` but owes `needed`: fund it by transferring tokens to it.
    error DemoSwapInsufficientLiquidity(address token, uint256 available, uint256 needed);

    /// @notice Sets the rate from `tokenIn` to `tokenOut` (one direction only). Open to anyone.
    function setRate(address tokenIn, address tokenOut, uint256 numerator, uint256 denominator) external {
        if (numerator == 0 || denominator == 0) revert DemoRateInvalid(numerator, denominator);
        _rates[tokenIn][tokenOut] = Rate(numerator, denominator);
        emit RateSet(tokenIn, tokenOut, numerator, denominator);
    }

    /// @notice The rate from `tokenIn` to `tokenOut`; (0, 0) when none is set.
    function rateOf(address tokenIn, address tokenOut) external view returns (uint256 numerator, uint256 denominator) {
        Rate storage rate = _rates[tokenIn][tokenOut];
        return (rate.numerator, rate.denominator);
    }

    /// @notice How much of `tokenOut` one hop pays for `amountIn` of `tokenIn`.
    function quote(address tokenIn, address tokenOut, uint256 amountIn) public view returns (uint256 amountOut) {
        Rate storage rate = _rates[tokenIn][tokenOut];
        uint256 denominator = rate.denominator;
        if (denominator == 0) revert DemoRateNotSet(tokenIn, tokenOut);
        return Math.mulDiv(amountIn, rate.numerator, denominator);
    }

    /// @dev Takes `amountIn` of `tokenIn` from the caller (who approved this router) and pays `amountOut`
    /// of `tokenOut` to `recipient` from the router's holdings.
    function _settle(address tokenIn, uint256 amountIn, address tokenOut, uint256 amountOut, address recipient) internal {
        IERC20(tokenIn).safeTransferFrom(msg.sender, address(this), amountIn);
        uint256 available = IERC20(tokenOut).balanceOf(address(this));
        if (available < amountOut) revert DemoSwapInsufficientLiquidity(tokenOut, available, amountOut);
        IERC20(tokenOut).safeTransfer(recipient, amountOut);
        emit Swapped(msg.sender, recipient, tokenIn, tokenOut, amountIn, amountOut);
    }
}
