// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionGasPolicy} from "../sessions/ISessionGasPolicy.sol";
import {GasRules} from "./GasRules.sol";

/**
 * @title GasPolicy
 * @notice The gas policy module: bounds what a session's userOps may cost the account (the fee per gas, the
 * gas limits, the wei the account may pay in total and per period, and which paymaster, if any, must pay).
 * Config and order of checks: docs/policies.md §5. The evaluation is {GasRules}, which SessionKeyManager
 * also runs itself for sessions that name it as their gas policy.
 */
contract GasPolicy is ISessionGasPolicy, GasRules {
    /// @inheritdoc ISessionGasPolicy
    function checkGas(
        address account,
        bytes32 sessionDigest,
        uint48 declaredTime,
        address paymaster,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        bytes calldata config
    ) external returns (uint256) {
        return _checkGasRules(account, sessionDigest, declaredTime, paymaster, gasLimit, maxFeePerGas, config);
    }
}
