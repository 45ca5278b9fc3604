// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {PolicyLimits} from "./PolicyLimits.sol";

/**
 * @title GasRules
 * @notice The evaluation of a GasPolicy config (docs/policies.md §5): bounds on what a session's userOps may
 * cost the account: the fee per gas, the gas limits, the wei the account may pay in total and per period, and
 * which paymaster (if any) must pay. Shared by the {GasPolicy} module and by SessionKeyManager, which
 * evaluates the same configs itself when a session names the manager as its gas policy (the built-in fast
 * path: no call to another contract, as with {CallRules}).
 *
 * NOTE: validation cannot know what an op will really cost, so each self-paid op counts its largest
 * possible cost (`gasLimit × maxFeePerGas`, what the EntryPoint takes as prefund); the real cost is lower.
 * Ops paid by a paymaster count nothing against the totals.
 */
abstract contract GasRules is PolicyLimits {
    uint256 private constant HEADER = 70; // 4 × 16 ‖ period (4) ‖ mode (1) ‖ count (1)
    uint256 private constant SESSION_LEVEL = type(uint256).max; // the "permission index" of the counters
    uint256 private constant LIMIT_TOTAL = 0;
    uint256 private constant LIMIT_PERIOD = 1;

    uint8 private constant PAYMASTER_ANY = 0;
    uint8 private constant PAYMASTER_NONE = 1;
    uint8 private constant PAYMASTER_NONE_OR_LISTED = 2;
    uint8 private constant PAYMASTER_LISTED = 3;

    /// @notice The config is not in the format of docs/policies.md §5.
    error GasPolicyConfigMalformed();
    /// @notice The userOp's paymaster (zero: none) is not allowed.
    error GasPaymasterRefused(address paymaster);
    /// @notice The userOp's maxFeePerGas is above the bound.
    error GasFeeAboveLimit(uint256 maxFeePerGas, uint256 limit);
    /// @notice The userOp's total gas limit is above the bound.
    error GasLimitAboveLimit(uint256 gasLimit, uint256 limit);

    /**
     * @dev Checks a userOp's paymaster, total gas limit and maxFeePerGas against `config`; counts its largest
     * possible cost against the totals when the account pays. Returns the period's window (0 when none).
     */
    function _checkGasRules(
        address account,
        bytes32 sessionDigest,
        uint48 declaredTime,
        address paymaster,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        bytes calldata config
    ) internal returns (uint256 validationData) {
        if (config.length < HEADER) revert GasPolicyConfigMalformed();
        uint8 mode = uint8(config[68]);
        uint256 count = uint8(config[69]);
        uint256 perPeriod = uint128(bytes16(config[48:64]));
        uint256 period = uint32(bytes4(config[64:68]));
        if (config.length != HEADER + 20 * count || mode > PAYMASTER_LISTED || (perPeriod != 0 && period == 0)) {
            revert GasPolicyConfigMalformed();
        }

        if (!_paymasterAllowed(config, mode, count, paymaster)) revert GasPaymasterRefused(paymaster);
        uint256 maxFee = uint128(bytes16(config[0:16]));
        if (maxFee != 0 && maxFeePerGas > maxFee) revert GasFeeAboveLimit(maxFeePerGas, maxFee);
        uint256 maxGas = uint128(bytes16(config[16:32]));
        if (maxGas != 0 && gasLimit > maxGas) revert GasLimitAboveLimit(gasLimit, maxGas);
        if (paymaster != address(0)) return 0;

        // Self-paid: count the most the op can cost (saturating: an absurd product just exceeds any cap).
        uint256 cost = gasLimit == 0 || maxFeePerGas <= type(uint256).max / gasLimit
            ? gasLimit * maxFeePerGas
            : type(uint256).max;
        uint256 total = uint128(bytes16(config[32:48]));
        if (total != 0) _consume(account, sessionDigest, SESSION_LEVEL, LIMIT_TOTAL, cost, total, 0, declaredTime);
        if (perPeriod != 0) {
            validationData = _consume(account, sessionDigest, SESSION_LEVEL, LIMIT_PERIOD, cost, perPeriod, period, declaredTime);
        }
    }

    function _paymasterAllowed(bytes calldata config, uint8 mode, uint256 count, address paymaster) private pure returns (bool) {
        if (mode == PAYMASTER_ANY) return true;
        if (paymaster == address(0)) return mode != PAYMASTER_LISTED;
        if (mode == PAYMASTER_NONE) return false;
        for (uint256 i = 0; i < count; ++i) {
            uint256 position = HEADER + 20 * i;
            if (address(bytes20(config[position:position + 20])) == paymaster) return true;
        }
        return false;
    }
}
