// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC7579Utils, Execution} from "@openzeppelin/contracts/account/utils/draft-ERC7579Utils.sol";

/**
 * @title ExecutionCalls
 * @notice Reads the calls out of a userOp's callData for the session checks. Only ERC-7579
 * `execute(bytes32 mode, bytes executionCalldata)` with a single or batch call type and a default or try
 * exec type, and an otherwise zero mode, is accepted: delegatecall, staticcall, other selectors (such as
 * `installModule` or `executeUserOp`) and unknown modes are refused, so a session can never run
 * anything its permissions were not checked against (the selector-spoofing attack).
 *
 * The execute arguments must be in the standard ABI layout (the `bytes` offset is 0x40), so that every
 * decoder, the account's included, reads the same calls the manager checked.
 */
library ExecutionCalls {
    bytes4 internal constant EXECUTE_SELECTOR = 0xe9ae5c53; // execute(bytes32,bytes)

    /// @notice The userOp's callData is not `execute(bytes32,bytes)`.
    error SessionCallDataNotExecute(bytes4 selector);
    /// @notice The execution mode is not single/batch with default/try exec type.
    error SessionExecutionModeRefused(bytes32 mode);
    /// @notice The callData's arguments are not in the standard layout, or are cut short.
    error SessionCallDataMalformed();

    /**
     * @notice Splits `callData` into its call type (single or batch) and the execution calldata.
     */
    function split(bytes calldata callData) internal pure returns (bool batch, bytes calldata executionCalldata) {
        if (callData.length < 4) revert SessionCallDataNotExecute(bytes4(0));
        if (bytes4(callData[0:4]) != EXECUTE_SELECTOR) revert SessionCallDataNotExecute(bytes4(callData[0:4]));
        if (callData.length < 100) revert SessionCallDataMalformed();
        bytes32 mode = bytes32(callData[4:36]);
        // callType (1) ‖ execType (1) ‖ 30 zero bytes.
        if (uint256(mode) << 16 != 0) revert SessionExecutionModeRefused(mode);
        bytes1 callType = mode[0];
        bytes1 execType = mode[1];
        if (
            (callType != 0x00 && callType != 0x01) ||
            (execType != 0x00 && execType != 0x01)
        ) revert SessionExecutionModeRefused(mode);
        if (uint256(bytes32(callData[36:68])) != 0x40) revert SessionCallDataMalformed();
        uint256 length = uint256(bytes32(callData[68:100]));
        if (length > callData.length - 100) revert SessionCallDataMalformed();
        executionCalldata = callData[100:100 + length];
        batch = callType == 0x01;
    }

    /// @notice The one call of a single execution: `target (20) ‖ value (32) ‖ data`.
    function single(
        bytes calldata executionCalldata
    ) internal pure returns (address target, uint256 value, bytes calldata data) {
        if (executionCalldata.length < 52) revert SessionCallDataMalformed();
        return ERC7579Utils.decodeSingle(executionCalldata);
    }

    /// @notice The calls of a batch execution (bounds checked as OpenZeppelin's account checks them).
    function batchOf(bytes calldata executionCalldata) internal pure returns (Execution[] calldata) {
        return ERC7579Utils.decodeBatch(executionCalldata);
    }
}
