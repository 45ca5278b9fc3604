// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionPolicy} from "../sessions/ISessionPolicy.sol";
import {CallRules} from "./CallRules.sol";

/**
 * @title CallPolicy
 * @notice The ABI session validation module: rules on a call's ABI parameters, and limits kept on chain
 * (totals of a parameter, call counts, native value; lifetime or per period). The config format, the order
 * of evaluation and the errors are specified in docs/policies.md §3; the SDK builds configs from an ABI
 * (`callPolicy(...)`) and evaluates them off chain with the same results. The evaluation is {CallRules},
 * which SessionKeyManager also runs itself for permissions that name it as their policy.
 */
contract CallPolicy is ISessionPolicy, CallRules {
    /// @inheritdoc ISessionPolicy
    function checkCall(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint48 declaredTime,
        address,
        uint256 value,
        bytes calldata data,
        bytes calldata config
    ) external returns (uint256) {
        // Absolute calldata positions: the config is read with single CALLDATALOADs (CallParamPath).
        uint256 p;
        uint256 end;
        uint256 dataStart;
        assembly ("memory-safe") {
            p := config.offset
            end := add(config.offset, config.length)
            dataStart := data.offset
        }
        return _checkCallRules(account, sessionDigest, permissionIndex, declaredTime, value, dataStart, data.length, p, end);
    }
}
