// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionPolicy} from "../sessions/ISessionPolicy.sol";
import {CallParamPath} from "./CallParamPath.sol";
import {PolicyLimits} from "./PolicyLimits.sol";

/**
 * @title CallPolicy
 * @notice The ABI session validation module: rules on a call's ABI parameters, and limits kept on chain
 * (totals of a parameter, call counts, native value; lifetime or per period). The config format, the order
 * of evaluation and the errors are specified in docs/policies.md §3; the SDK builds configs from an ABI
 * (`callPolicy(...)`) and evaluates them off chain with the same results.
 *
 * Rules are in groups: a group passes when any of its rules holds, the call when every group passes. Each
 * rule is read completely from the config before it is evaluated, so a malformed config is reported as
 * such whatever the calldata. Parameters are found by following the ABI's offsets; a read outside the
 * calldata or a word that is not a clean encoding of its type refuses the call.
 */
contract CallPolicy is ISessionPolicy, PolicyLimits {
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

    /// @dev A rule as found in the config (positions in the config).
    struct Rule {
        uint256 stepsStart;
        uint256 pathEnd;
        uint256 valueType;
        uint256 op;
        uint256 operands;
        uint256 end;
    }

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
    ) external returns (uint256 validationData) {
        uint256 p = _need(config, 0, 1);
        uint256 groups = uint8(config[0]);
        for (uint256 g = 0; g < groups; ++g) {
            _need(config, p, 1);
            uint256 rules = uint8(config[p]);
            p += 1;
            bool holds = false;
            for (uint256 r = 0; r < rules; ++r) {
                Rule memory rule = _parseRule(config, p);
                p = rule.end;
                if (!holds) holds = _holds(data, config, rule, g, r);
            }
            if (!holds) revert CallPolicyRuleFailed(g);
        }

        _need(config, p, 1);
        uint256 limits = uint8(config[p]);
        p += 1;
        for (uint256 l = 0; l < limits; ++l) {
            // The limit is read completely (kind, path, value type, max, period) before anything is evaluated.
            _need(config, p, 1);
            uint256 kind = uint8(config[p]);
            p += 1;
            uint256 stepsStart;
            uint256 pathEnd;
            uint256 valueType;
            if (kind == LIMIT_PARAM) {
                (stepsStart, pathEnd) = CallParamPath.parse(config, p);
                _need(config, pathEnd, 1);
                valueType = uint8(config[pathEnd]);
                if (valueType > 0x1f) revert CallParamPath.CallPolicyConfigMalformed();
                p = pathEnd + 1;
            } else if (kind > LIMIT_PARAM) {
                revert CallParamPath.CallPolicyConfigMalformed();
            }
            _need(config, p, 36);
            uint256 max = uint256(bytes32(config[p:p + 32]));
            uint256 period = uint32(bytes4(config[p + 32:p + 36]));
            p += 36;

            uint256 amount = kind == LIMIT_CALLS ? 1 : kind == LIMIT_VALUE
                ? value
                : _readWord(data, config, stepsStart, pathEnd, valueType, LIMITS, l);
            validationData = _intersectWindows(
                validationData,
                _consume(account, sessionDigest, permissionIndex, l, amount, max, period, declaredTime)
            );
        }
        if (p != config.length) revert CallParamPath.CallPolicyConfigMalformed();
    }

    /// @dev Reads rule at `p` of the config, checking its structure (no calldata is read).
    function _parseRule(bytes calldata config, uint256 p) private pure returns (Rule memory rule) {
        (rule.stepsStart, rule.pathEnd) = CallParamPath.parse(config, p);
        p = rule.pathEnd;
        _need(config, p, 2);
        rule.valueType = uint8(config[p]);
        rule.op = uint8(config[p + 1]);
        _checkValueType(rule.valueType);
        p += 2;
        rule.operands = p;
        uint256 op = rule.op;
        uint256 size;
        if (op <= OP_SGTE || (op >= OP_BITS_ALL && op <= OP_BITS_NONE)) {
            size = 32;
        } else if (op == OP_IN_RANGE || op == OP_SIN_RANGE) {
            size = 64;
        } else if (op == OP_ONE_OF) {
            _need(config, p, 1);
            uint256 count = uint8(config[p]);
            if (count == 0) revert CallParamPath.CallPolicyConfigMalformed();
            size = 1 + 32 * count;
        } else if (op == OP_SLICE_EQ) {
            if (rule.valueType != 0) revert CallParamPath.CallPolicyConfigMalformed();
            _need(config, p, 4);
            size = 4 + uint256(uint16(bytes2(config[p + 2:p + 4])));
        } else {
            revert CallParamPath.CallPolicyConfigMalformed();
        }
        rule.end = _need(config, p, size);
    }

    /// @dev Evaluates a parsed rule on the calldata.
    function _holds(
        bytes calldata data,
        bytes calldata config,
        Rule memory rule,
        uint256 group,
        uint256 index
    ) private pure returns (bool) {
        if (rule.op == OP_SLICE_EQ) return _sliceEquals(data, config, rule, group, index);
        uint256 v = _readWord(data, config, rule.stepsStart, rule.pathEnd, rule.valueType, group, index);
        uint256 p = rule.operands;
        uint256 op = rule.op;
        if (op == OP_ONE_OF) {
            uint256 count = uint8(config[p]);
            for (uint256 i = 0; i < count; ++i) {
                if (v == _configWord(config, p + 1 + 32 * i)) return true;
            }
            return false;
        }
        uint256 a = _configWord(config, p);
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
        uint256 b = _configWord(config, p + 32);
        if (op == OP_IN_RANGE) return a <= v && v <= b;
        return int256(a) <= int256(v) && int256(v) <= int256(b); // OP_SIN_RANGE
    }

    /// @dev SLICE_EQ: the cursor is on a `bytes` length word; compares bytes [start, start + length) of it.
    function _sliceEquals(
        bytes calldata data,
        bytes calldata config,
        Rule memory rule,
        uint256 group,
        uint256 index
    ) private pure returns (bool) {
        (bool readable, uint256 cursor) = CallParamPath.walk(data, config, rule.stepsStart, rule.pathEnd);
        uint256 bytesLength;
        if (readable) (readable, bytesLength) = CallParamPath.word(data, cursor);
        if (!readable) revert CallPolicyParamUnreadable(group, index);
        uint256 p = rule.operands;
        uint256 start = uint16(bytes2(config[p:p + 2]));
        uint256 length = uint16(bytes2(config[p + 2:p + 4]));
        if (start + length > bytesLength) return false;
        uint256 from = cursor + 32 + start;
        if (from + length > data.length) revert CallPolicyParamUnreadable(group, index);
        return keccak256(data[from:from + length]) == keccak256(config[p + 4:p + 4 + length]);
    }

    /// @dev The clean word at the path, or a revert saying why there is none.
    function _readWord(
        bytes calldata data,
        bytes calldata config,
        uint256 stepsStart,
        uint256 pathEnd,
        uint256 valueType,
        uint256 group,
        uint256 index
    ) private pure returns (uint256 v) {
        (bool readable, uint256 cursor) = CallParamPath.walk(data, config, stepsStart, pathEnd);
        if (readable) (readable, v) = CallParamPath.word(data, cursor);
        if (!readable) revert CallPolicyParamUnreadable(group, index);
        if (!_isClean(v, valueType)) revert CallPolicyParamDirty(group, index);
    }

    /// @dev Whether `v` is a clean ABI encoding of `valueType` (docs/policies.md §3.2).
    function _isClean(uint256 v, uint256 valueType) private pure returns (bool) {
        if (valueType == 0) return true;
        if (valueType < 0x20) return v >> (8 * valueType) == 0; // uint(8n): high bytes zero
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

    function _checkValueType(uint256 valueType) private pure {
        bool known = valueType == 0 ||
            (valueType >= 0x01 && valueType <= 0x1f) ||
            (valueType >= 0x41 && valueType <= 0x5f) ||
            (valueType >= 0x81 && valueType <= 0x9f);
        if (!known) revert CallParamPath.CallPolicyConfigMalformed();
    }

    function _configWord(bytes calldata config, uint256 p) private pure returns (uint256) {
        return uint256(bytes32(config[p:p + 32]));
    }

    /// @dev Reverts unless `size` bytes from `p` are in the config; returns `p + size`.
    function _need(bytes calldata config, uint256 p, uint256 size) private pure returns (uint256) {
        if (config.length < p + size) revert CallParamPath.CallPolicyConfigMalformed();
        return p + size;
    }
}
