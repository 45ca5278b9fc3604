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
        bytes4 selector;
        assembly ("memory-safe") {
            selector := mul(and(calldataload(callData.offset), shl(224, 0xffffffff)), gt(callData.length, 3))
        }
        if (selector != EXECUTE_SELECTOR) revert SessionCallDataNotExecute(selector);
        if (callData.length < 100) revert SessionCallDataMalformed();
        bytes32 mode = _word(callData, 4);
        // callType (1) ‖ execType (1) ‖ 30 zero bytes, each type 0x00 or 0x01.
        if (uint256(mode) & ~uint256(0x0101 << 240) != 0) revert SessionExecutionModeRefused(mode);
        // The `bytes` argument at the standard offset, inside the callData.
        if (uint256(_word(callData, 36)) != 0x40 || uint256(_word(callData, 68)) > callData.length - 100) {
            revert SessionCallDataMalformed();
        }
        assembly ("memory-safe") {
            executionCalldata.offset := add(callData.offset, 100)
            executionCalldata.length := calldataload(add(callData.offset, 68))
        }
        batch = uint256(mode) >> 248 == 0x01;
    }

    /// @dev The 32 bytes at offset `p` of `data` (the caller checked that they lie inside it).
    function _word(bytes calldata data, uint256 p) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, p))
        }
    }

    /// @notice The one call of a single execution: `target (20) ‖ value (32) ‖ data`.
    function single(
        bytes calldata executionCalldata
    ) internal pure returns (address target, uint256 value, bytes calldata data) {
        if (executionCalldata.length < 52) revert SessionCallDataMalformed();
        assembly ("memory-safe") {
            let p := executionCalldata.offset
            target := shr(96, calldataload(p))
            value := calldataload(add(p, 20))
            data.offset := add(p, 52)
            data.length := sub(executionCalldata.length, 52)
        }
    }

    /// @notice The calls of a batch execution (bounds checked as OpenZeppelin's account checks them).
    function batchOf(bytes calldata executionCalldata) internal pure returns (Execution[] calldata) {
        return ERC7579Utils.decodeBatch(executionCalldata);
    }
}
