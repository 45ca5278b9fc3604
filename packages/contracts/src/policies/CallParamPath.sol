// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title CallParamPath
 * @notice Finds a parameter in a call's ABI-encoded calldata by a path of steps (docs/policies.md §3.1),
 * following the encoding's offsets the way an ABI decoder does, and never reading past the calldata's end.
 *
 * Steps (after the step count):
 * - `0x00 ‖ k (2)` FIELD: cursor = base + 32·k;
 * - `0x01` ENTER: base = base + word(cursor); cursor = base;
 * - `0x02 ‖ i (2) ‖ w (1)` ELEMENT: element i (0xffff = last) of an array of static elements w words wide,
 *   the cursor being on the array's length word;
 * - `0x03 ‖ i (2)` DYN_ELEMENT: element i (0xffff = last) of an array of dynamic elements.
 *
 * Positions in the config are absolute calldata positions (`config.offset + i`), so the hot loop reads with
 * one CALLDATALOAD and no slicing. Positions in the call's data are relative to its first byte (the
 * selector), as the spec counts them. Arithmetic is unchecked: every quantity is bounded by calldata sizes
 * (a step adds at most the data length, 32 · 65,535, or 32 · 255 · the data length).
 */
library CallParamPath {
    uint256 internal constant LAST = 0xffff;

    /// @notice The policy config is malformed (an unknown step, operator, value type or limit kind, or cut short).
    error CallPolicyConfigMalformed();

    /// @dev The byte at absolute calldata position `p`.
    function u8(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := byte(0, calldataload(p))
        }
    }

    /// @dev The big-endian 16-bit number at absolute calldata position `p`.
    function u16(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(p))
        }
    }

    /// @dev The 32-byte word at absolute calldata position `p`.
    function u256(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := calldataload(p)
        }
    }

    /**
     * @dev Checks the path that starts at config position `p` (step count, then steps), the config ending at
     * `end`; returns where its steps start and where the path ends.
     */
    function parse(uint256 p, uint256 end) internal pure returns (uint256 stepsStart, uint256 pathEnd) {
        unchecked {
            if (p >= end) revert CallPolicyConfigMalformed();
            uint256 steps = u8(p);
            stepsStart = p + 1;
            pathEnd = stepsStart;
            for (uint256 s = 0; s < steps; ++s) {
                if (pathEnd >= end) revert CallPolicyConfigMalformed();
                uint256 op = u8(pathEnd);
                uint256 size = op == 0x00 ? 3 : op == 0x01 ? 1 : op == 0x02 ? 4 : op == 0x03 ? 3 : 0;
                if (size == 0 || pathEnd + size > end) revert CallPolicyConfigMalformed();
                if (op == 0x02 && u8(pathEnd + 3) == 0) revert CallPolicyConfigMalformed();
                pathEnd += size;
            }
        }
    }

    /**
     * @dev Runs the path's steps (config positions `[stepsStart, pathEnd)`, checked by {parse}) over the call's
     * data (`dataLength` bytes from absolute position `data`). Returns whether every read stayed inside the
     * data, and the cursor (relative to the data).
     */
    function walk(
        uint256 data,
        uint256 dataLength,
        uint256 stepsStart,
        uint256 pathEnd
    ) internal pure returns (bool readable, uint256 cursor) {
        unchecked {
            uint256 base = 4;
            cursor = 4;
            uint256 p = stepsStart;
            while (p < pathEnd) {
                uint256 op = u8(p);
                if (op == 0x00) {
                    cursor = base + 32 * u16(p + 1);
                    p += 3;
                } else if (op == 0x01) {
                    (bool ok, uint256 offset) = word(data, dataLength, cursor);
                    if (!ok || offset > dataLength) return (false, 0);
                    base += offset;
                    cursor = base;
                    p += 1;
                } else {
                    (bool ok, uint256 count) = word(data, dataLength, cursor);
                    if (!ok || count > dataLength) return (false, 0);
                    uint256 index = u16(p + 1);
                    if (index == LAST) {
                        if (count == 0) return (false, 0);
                        index = count - 1;
                    } else if (index >= count) {
                        return (false, 0);
                    }
                    uint256 heads = cursor + 32;
                    if (op == 0x02) {
                        base = heads + 32 * u8(p + 3) * index;
                        p += 4;
                    } else {
                        uint256 offset;
                        (ok, offset) = word(data, dataLength, heads + 32 * index);
                        if (!ok || offset > dataLength) return (false, 0);
                        base = heads + offset;
                        p += 3;
                    }
                    cursor = base;
                }
            }
            return (true, cursor);
        }
    }

    /// @dev The 32-byte word at `position` of the data, if it lies entirely inside the data.
    function word(uint256 data, uint256 dataLength, uint256 position) internal pure returns (bool ok, uint256 value) {
        unchecked {
            if (position > dataLength || dataLength - position < 32) return (false, 0);
            return (true, u256(data + position));
        }
    }
}
