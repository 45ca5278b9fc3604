// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/**
 * @title DemoLendingMarket
 * @notice A devnet-only lending market for the liquidation-protection demo: deposit a collateral token,
 * borrow the debt token against it, repay for any borrower. Its price is set by anyone (a demo oracle):
 * debt-token units per 10^6 collateral units. A position's health factor is its collateral's value × 80%
 * over its debt, 10^18 = 1; a borrow may not take it below 1. There is no interest and no liquidation.
 */
contract DemoLendingMarket {
    using SafeERC20 for IERC20;

    uint256 public constant LIQUIDATION_THRESHOLD_BPS = 8_000;
    uint256 private constant COLLATERAL_UNIT = 1e6;

    IERC20 public immutable collateralToken;
    IERC20 public immutable debtToken;
    uint256 public price;
    mapping(address borrower => uint256) public collateralOf;
    mapping(address borrower => uint256) public debtOf;

    event PriceSet(uint256 price);
    event Deposited(address indexed borrower, uint256 amount);
    event Borrowed(address indexed borrower, uint256 amount);
    event Repaid(address indexed borrower, address indexed payer, uint256 amount);

    /// @notice The borrow would leave the position with this health factor, below 1 (10^18).
    error DemoLendingUnhealthy(uint256 healthFactor);
    /// @notice The borrower owes `debt`, less than the `amount` repaid.
    error DemoLendingRepayTooMuch(uint256 debt, uint256 amount);

    constructor(IERC20 collateral, IERC20 debt, uint256 initialPrice) {
        collateralToken = collateral;
        debtToken = debt;
        price = initialPrice;
    }

    /// @notice The demo oracle: anyone sets the price.
    function setPrice(uint256 newPrice) external {
        price = newPrice;
        emit PriceSet(newPrice);
    }

    function deposit(uint256 amount) external {
        collateralOf[msg.sender] += amount;
        collateralToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        uint256 health = healthFactor(msg.sender);
        if (health < 1e18) revert DemoLendingUnhealthy(health);
        debtToken.safeTransfer(msg.sender, amount);
        emit Borrowed(msg.sender, amount);
    }

    /// @notice Repays `amount` of `borrower`'s debt, paid by the caller (approve this market first).
    function repay(address borrower, uint256 amount) external {
        uint256 debt = debtOf[borrower];
        if (amount > debt) revert DemoLendingRepayTooMuch(debt, amount);
        debtOf[borrower] = debt - amount;
        debtToken.safeTransferFrom(msg.sender, address(this), amount);
        emit Repaid(borrower, msg.sender, amount);
    }

    /// @notice Collateral value × 80% / debt, 10^18 = 1; the largest uint256 with no debt.
    function healthFactor(address borrower) public view returns (uint256) {
        uint256 debt = debtOf[borrower];
        if (debt == 0) return type(uint256).max;
        uint256 value = (collateralOf[borrower] * price) / COLLATERAL_UNIT;
        return (value * LIQUIDATION_THRESHOLD_BPS * 1e18) / (10_000 * debt);
    }
}
