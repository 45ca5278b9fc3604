// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {CallParamPath} from "./CallParamPath.sol";
import {PolicyLimits} from "./PolicyLimits.sol";

/**
 * @title CallRules
 * @notice The evaluation of a CallPolicy config (docs/policies.md §3): rules on a call's ABI parameters, in
 * groups (a group passes when any of its rules holds, the call when every group passes), and limits kept on
 * chain. Shared by the {CallPolicy} module and by SessionKeyManager, which evaluates the same configs itself
 * when a permission names the manager as its policy (the built-in fast path: no call to another contract).
 *
 * Config and calldata are read at absolute calldata positions. Each rule is read completely from the config
 * before it is evaluated, so a malformed config is reported as such whatever the calldata. Parameters are
 * found by following the ABI's offsets; a read outside the calldata or a word that is not a clean encoding
 * of its type refuses the call.
 */
abstract contract CallRules is PolicyLimits {
    /// @dev `group` in errors about limits.
    uint256 private constant LIMITS = 0xff;

    uint256 private constant OP_EQ = 0x00;
    uint256 private constant OP_NEQ = 0x01;
    uint256 private constant OP_LT = 0x02;
    uint256 private constant OP_LTE = 0x03;
    uint256 private constant OP_GT = 0x04;
    uint256 private constant OP_GTE = 0x05;
    uint256 private constant OP_SLT = 0x06;
    uint256 private constant OP_SLTE = 0x07;
    uint256 private constant OP_SGT = 0x08;
    uint256 private constant OP_SGTE = 0x09;
    uint256 private constant OP_IN_RANGE = 0x0a;
    uint256 private constant OP_SIN_RANGE = 0x0b;
    uint256 private constant OP_ONE_OF = 0x0c;
    uint256 private constant OP_BITS_ALL = 0x0d;
    uint256 private constant OP_BITS_ANY = 0x0e;
    uint256 private constant OP_BITS_NONE = 0x0f;
    uint256 private constant OP_SLICE_EQ = 0x10;

    uint256 private constant LIMIT_CALLS = 0x00;
    uint256 private constant LIMIT_VALUE = 0x01;
    uint256 private constant LIMIT_PARAM = 0x02;

    /// @notice Rule `rule` of `group` (group 255: limit `rule`) reads outside the calldata.
    error CallPolicyParamUnreadable(uint256 group, uint256 rule);
    /// @notice The word rule `rule` of `group` (group 255: limit `rule`) tests is not a clean value of its type.
    error CallPolicyParamDirty(uint256 group, uint256 rule);
    /// @notice No rule of `group` holds for the call.
    error CallPolicyRuleFailed(uint256 group);

    /**
     * @dev Evaluates the config at calldata positions [p, end) on the call `value` and data at calldata
     * positions [dataStart, dataStart + dataLength): reverts with the rule that fails, counts the limits,
     * returns the limits' window (0 when none is periodic).
     */
    function _checkCallRules(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint48 declaredTime,
        uint256 value,
        uint256 dataStart,
        uint256 dataLength,
        uint256 p,
        uint256 end
    ) internal returns (uint256 validationData) {
        unchecked {
            if (p >= end) revert CallParamPath.CallPolicyConfigMalformed();
            uint256 groups = CallParamPath.u8(p);
            p += 1;
            for (uint256 g = 0; g < groups; ++g) {
                if (p >= end) revert CallParamPath.CallPolicyConfigMalformed();
                uint256 rules = CallParamPath.u8(p);
                p += 1;
                bool holds = false;
                for (uint256 r = 0; r < rules; ++r) {
                    // Each rule is read completely (and checked) before it is evaluated.
                    (uint256 stepsStart, uint256 pathEnd) = _parsePath(p, end);
                    if (pathEnd + 2 > end) revert CallParamPath.CallPolicyConfigMalformed();
                    uint256 valueType = CallParamPath.u8(pathEnd);
                    uint256 op = CallParamPath.u8(pathEnd + 1);
                    uint256 operands = pathEnd + 2;
                    p = operands + _operandsSize(op, valueType, operands, end);
                    if (p > end) revert CallParamPath.CallPolicyConfigMalformed();
                    if (!holds) {
                        holds = _holds(dataStart, dataLength, stepsStart, pathEnd, valueType, op, operands, g, r);
                    }
                }
                if (!holds) revert CallPolicyRuleFailed(g);
            }

            if (p >= end) revert CallParamPath.CallPolicyConfigMalformed();
            uint256 limits = CallParamPath.u8(p);
            p += 1;
            for (uint256 l = 0; l < limits; ++l) {
                // The limit is read completely (kind, path, value type, max, period) before anything is evaluated.
                if (p >= end) revert CallParamPath.CallPolicyConfigMalformed();
                uint256 kind = CallParamPath.u8(p);
                p += 1;
                uint256 stepsStart;
                uint256 pathEnd;
                uint256 valueType;
                if (kind == LIMIT_PARAM) {
                    (stepsStart, pathEnd) = CallParamPath.parse(p, end);
                    if (pathEnd >= end) revert CallParamPath.CallPolicyConfigMalformed();
                    valueType = CallParamPath.u8(pathEnd);
                    if (valueType > 0x1f) revert CallParamPath.CallPolicyConfigMalformed();
                    p = pathEnd + 1;
                } else if (kind > LIMIT_PARAM) {
                    revert CallParamPath.CallPolicyConfigMalformed();
                }
                if (p + 36 > end) revert CallParamPath.CallPolicyConfigMalformed();
                uint256 max = CallParamPath.u256(p);
                uint256 period = CallParamPath.u256(p + 32) >> 224;
                p += 36;

                uint256 amount = kind == LIMIT_CALLS ? 1 : kind == LIMIT_VALUE
                    ? value
                    : _readWord(dataStart, dataLength, stepsStart, pathEnd, valueType, LIMITS, l);
                validationData = _intersectWindows(
                    validationData,
                    _consume(account, sessionDigest, permissionIndex, l, amount, max, period, declaredTime)
                );
            }
            if (p != end) revert CallParamPath.CallPolicyConfigMalformed();
        }
    }

    /**
     * @dev {CallParamPath.parse}, with the most common path read directly: one FIELD step (`0x01 ‖ 0x00 ‖ k`),
     * a top-level parameter.
     */
    function _parsePath(uint256 p, uint256 end) private pure returns (uint256 stepsStart, uint256 pathEnd) {
        unchecked {
            if (CallParamPath.u256(p) >> 240 == 0x0100 && p + 4 <= end) return (p + 1, p + 4);
            return CallParamPath.parse(p, end);
        }
    }

    /// @dev How many operand bytes operator `op` takes at config position `operands` (checking the rule's shape).
    function _operandsSize(uint256 op, uint256 valueType, uint256 operands, uint256 end) private pure returns (uint256) {
        unchecked {
            bool knownType = valueType <= 0x20 ||
                (valueType >= 0x41 && valueType <= 0x5f) ||
                (valueType >= 0x81 && valueType <= 0x9f);
            if (!knownType) revert CallParamPath.CallPolicyConfigMalformed();
            if (op <= OP_SGTE || (op >= OP_BITS_ALL && op <= OP_BITS_NONE)) return 32;
            if (op == OP_IN_RANGE || op == OP_SIN_RANGE) return 64;
            if (op == OP_ONE_OF) {
                if (operands >= end) revert CallParamPath.CallPolicyConfigMalformed();
                uint256 count = CallParamPath.u8(operands);
                if (count == 0) revert CallParamPath.CallPolicyConfigMalformed();
                return 1 + 32 * count;
            }
            if (op == OP_SLICE_EQ) {
                if (valueType != 0 || operands + 4 > end) revert CallParamPath.CallPolicyConfigMalformed();
                return 4 + CallParamPath.u16(operands + 2);
            }
            revert CallParamPath.CallPolicyConfigMalformed();
        }
    }

    /// @dev Evaluates a parsed rule on the call's data.
    function _holds(
        uint256 dataStart,
        uint256 dataLength,
        uint256 stepsStart,
        uint256 pathEnd,
        uint256 valueType,
        uint256 op,
        uint256 operands,
        uint256 group,
        uint256 index
    ) private pure returns (bool) {
        if (op == OP_SLICE_EQ) return _sliceEquals(dataStart, dataLength, stepsStart, pathEnd, operands, group, index);
        uint256 v = _readWord(dataStart, dataLength, stepsStart, pathEnd, valueType, group, index);
        if (op == OP_ONE_OF) {
            unchecked {
                uint256 count = CallParamPath.u8(operands);
                for (uint256 i = 0; i < count; ++i) {
                    if (v == CallParamPath.u256(operands + 1 + 32 * i)) return true;
                }
            }
            return false;
        }
        uint256 a = CallParamPath.u256(operands);
        if (op == OP_EQ) return v == a;
        if (op == OP_NEQ) return v != a;
        if (op == OP_LT) return v < a;
        if (op == OP_LTE) return v <= a;
        if (op == OP_GT) return v > a;
        if (op == OP_GTE) return v >= a;
        if (op == OP_SLT) return int256(v) < int256(a);
        if (op == OP_SLTE) return int256(v) <= int256(a);
        if (op == OP_SGT) return int256(v) > int256(a);
        if (op == OP_SGTE) return int256(v) >= int256(a);
        if (op == OP_BITS_ALL) return v & a == a;
        if (op == OP_BITS_ANY) return v & a != 0;
        if (op == OP_BITS_NONE) return v & a == 0;
        uint256 b = CallParamPath.u256(operands + 32);
        if (op == OP_IN_RANGE) return a <= v && v <= b;
        return int256(a) <= int256(v) && int256(v) <= int256(b); // OP_SIN_RANGE
    }

    /// @dev SLICE_EQ: the cursor is on a `bytes` length word; compares bytes [start, start + length) of it.
    function _sliceEquals(
        uint256 dataStart,
        uint256 dataLength,
        uint256 stepsStart,
        uint256 pathEnd,
        uint256 operands,
        uint256 group,
        uint256 index
    ) private pure returns (bool) {
        unchecked {
            (bool readable, uint256 cursor) = CallParamPath.walk(dataStart, dataLength, stepsStart, pathEnd);
            uint256 bytesLength;
            if (readable) (readable, bytesLength) = CallParamPath.word(dataStart, dataLength, cursor);
            if (!readable) revert CallPolicyParamUnreadable(group, index);
            uint256 start = CallParamPath.u16(operands);
            uint256 length = CallParamPath.u16(operands + 2);
            if (start + length > bytesLength) return false;
            uint256 from = cursor + 32 + start;
            if (from + length > dataLength) revert CallPolicyParamUnreadable(group, index);
            bool equal;
            assembly ("memory-safe") {
                // Both ranges are in calldata: copy each to scratch memory and hash it.
                let ptr := mload(0x40)
                calldatacopy(ptr, add(dataStart, from), length)
                let h1 := keccak256(ptr, length)
                calldatacopy(ptr, add(operands, 4), length)
                equal := eq(h1, keccak256(ptr, length))
            }
            return equal;
        }
    }

    /// @dev The clean word at the path, or a revert saying why there is none.
    function _readWord(
        uint256 dataStart,
        uint256 dataLength,
        uint256 stepsStart,
        uint256 pathEnd,
        uint256 valueType,
        uint256 group,
        uint256 index
    ) private pure returns (uint256 v) {
        bool readable;
        uint256 cursor;
        unchecked {
            // One FIELD step (the common case): the parameter's head word, 4 + 32·k, without walking.
            if (pathEnd == stepsStart + 3 && CallParamPath.u8(stepsStart) == 0x00) (readable, cursor) = (true, 4 + 32 * CallParamPath.u16(stepsStart + 1));
            else (readable, cursor) = CallParamPath.walk(dataStart, dataLength, stepsStart, pathEnd);
        }
        if (readable) (readable, v) = CallParamPath.word(dataStart, dataLength, cursor);
        if (!readable) revert CallPolicyParamUnreadable(group, index);
        if (!_isClean(v, valueType)) revert CallPolicyParamDirty(group, index);
    }

    /// @dev Whether `v` is a clean ABI encoding of `valueType` (docs/policies.md §3.2).
    function _isClean(uint256 v, uint256 valueType) private pure returns (bool) {
        unchecked {
            if (valueType == 0) return true;
            if (valueType < 0x20) return v >> (8 * valueType) == 0; // uint(8n): high bytes zero
            if (valueType == 0x20) return v <= 1; // bool: 0 or 1
            if (valueType < 0x80) {
                uint256 topByte = valueType - 0x41; // int(8n): sign-extended from byte n − 1 (counted from the right)
                uint256 extended;
                assembly ("memory-safe") {
                    extended := signextend(topByte, v)
                }
                return extended == v;
            }
            return v << (8 * (valueType - 0x80)) == 0; // bytes(n): low bytes zero
        }
    }
}
