// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title ISessionPolicy
 * @notice A session validation module (the seed's SVM): a pluggable check of one call made under a session.
 * The SessionKeyManager calls it during userOp validation, once for every execution that a permission with
 * this policy authorises, after the manager's own checks (target, selector, value, never the account or
 * the manager itself).
 *
 * Rules for implementers (ERC-7562, the account is unstaked):
 * - no TIMESTAMP, NUMBER or other banned opcode: return time bounds as validationData instead; a policy with
 *   periods works in the period containing `declaredTime` and returns that period's bounds (docs/policies.md §1);
 * - storage only in mappings whose innermost key is `account`, e.g.
 *   `mapping(bytes32 id => mapping(address account => uint256))`;
 * - only `msg.sender` (the manager) may change counters: key them by `msg.sender` as well, or check it.
 */
interface ISessionPolicy {
    /**
     * @notice Checks one call. Reverts (with a reason) to refuse it.
     * @param account The account making the call.
     * @param sessionDigest The session's digest (keccak256 of its compact encoding).
     * @param permissionIndex Which permission of the session authorised the call.
     * @param declaredTime The time the userOp declares (its signer signed it); the EntryPoint holds the op to the
     * window returned, so a policy may trust it as "now" as long as it returns a window containing it.
     * @param target, value, data The call.
     * @param config The permission's `policyConfig`.
     * @return validationData ERC-4337 validation data: 0, or `validUntil << 160 | validAfter << 208` to bound when
     * the call may happen (a signature-failure bit is not allowed here: revert instead).
     */
    function checkCall(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint48 declaredTime,
        address target,
        uint256 value,
        bytes calldata data,
        bytes calldata config
    ) external returns (uint256 validationData);
}
