// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title CallParamPath
 * @notice Finds a parameter in a call's ABI-encoded calldata by a path of steps (docs/policies.md §3.1),
 * following the encoding's offsets the way an ABI decoder does, and never reading past the calldata's end.
 *
 * Steps (`path` is their bytes, without the step count):
 * - `0x00 ‖ k (2)` FIELD: cursor = base + 32·k;
 * - `0x01` ENTER: base = base + word(cursor); cursor = base;
 * - `0x02 ‖ i (2) ‖ w (1)` ELEMENT: element i (0xffff = last) of an array of static elements w words wide,
 *   the cursor being on the array's length word;
 * - `0x03 ‖ i (2)` DYN_ELEMENT: element i (0xffff = last) of an array of dynamic elements.
 *
 * The path's bytes were checked by {parse} before {walk} runs them.
 */
library CallParamPath {
    uint256 internal constant LAST = 0xffff;

    /// @notice The policy config is malformed (an unknown step, operator, value type or limit kind, or cut short).
    error CallPolicyConfigMalformed();

    /**
     * @dev Checks the path that starts at `p` of `config` (step count, then steps) and returns where its steps
     * start and where the path ends.
     */
    function parse(bytes calldata config, uint256 p) internal pure returns (uint256 stepsStart, uint256 end) {
        if (p >= config.length) revert CallPolicyConfigMalformed();
        uint256 steps = uint8(config[p]);
        stepsStart = p + 1;
        end = stepsStart;
        for (uint256 s = 0; s < steps; ++s) {
            if (end >= config.length) revert CallPolicyConfigMalformed();
            uint256 op = uint8(config[end]);
            uint256 size = op == 0x00 ? 3 : op == 0x01 ? 1 : op == 0x02 ? 4 : op == 0x03 ? 3 : 0;
            if (size == 0 || end + size > config.length) revert CallPolicyConfigMalformed();
            if (op == 0x02 && uint8(config[end + 3]) == 0) revert CallPolicyConfigMalformed();
            end += size;
        }
    }

    /**
     * @dev Runs the path's steps (`config[stepsStart:end]`, checked by {parse}) over `data` (the call's full
     * calldata, selector included). Returns whether every read stayed inside `data`, and the cursor.
     */
    function walk(
        bytes calldata data,
        bytes calldata config,
        uint256 stepsStart,
        uint256 end
    ) internal pure returns (bool readable, uint256 cursor) {
        uint256 length = data.length;
        uint256 base = 4;
        cursor = 4;
        uint256 p = stepsStart;
        while (p < end) {
            uint256 op = uint8(config[p]);
            if (op == 0x00) {
                cursor = base + 32 * uint256(uint16(bytes2(config[p + 1:p + 3])));
                p += 3;
            } else if (op == 0x01) {
                (bool ok, uint256 offset) = word(data, cursor);
                if (!ok || offset > length) return (false, 0);
                base += offset;
                cursor = base;
                p += 1;
            } else {
                (bool ok, uint256 count) = word(data, cursor);
                if (!ok || count > length) return (false, 0);
                uint256 index = uint16(bytes2(config[p + 1:p + 3]));
                if (index == LAST) {
                    if (count == 0) return (false, 0);
                    index = count - 1;
                } else if (index >= count) {
                    return (false, 0);
                }
                uint256 heads = cursor + 32;
                if (op == 0x02) {
                    base = heads + 32 * uint256(uint8(config[p + 3])) * index;
                    p += 4;
                } else {
                    uint256 offset;
                    (ok, offset) = word(data, heads + 32 * index);
                    if (!ok || offset > length) return (false, 0);
                    base = heads + offset;
                    p += 3;
                }
                cursor = base;
            }
        }
        return (true, cursor);
    }

    /// @dev The 32-byte word at `position` of `data`, if it lies entirely inside `data`.
    function word(bytes calldata data, uint256 position) internal pure returns (bool ok, uint256 value) {
        if (position > data.length || data.length - position < 32) return (false, 0);
        assembly ("memory-safe") {
            value := calldataload(add(data.offset, position))
        }
        return (true, value);
    }
}
