// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title ISessionGasPolicy
 * @notice A session-level policy on what a session's userOps may cost the account: called by the
 * SessionKeyManager once per userOp of a session that names it (`Session.gasPolicy`), before the calls are
 * checked. Without such a bound a stolen session key could spend the account's ETH on fees.
 *
 * The same ERC-7562 rules as {ISessionPolicy} apply: no TIMESTAMP (periods come from `declaredTime`, and
 * their bounds go back as validation data), storage only under the account as the innermost key.
 */
interface ISessionGasPolicy {
    /**
     * @notice Checks one userOp's cost bounds. Reverts (with a reason) to refuse it.
     * @param account The account sending the userOp.
     * @param sessionDigest The session's digest.
     * @param declaredTime The time the userOp declares (see {ISessionPolicy-checkCall}).
     * @param paymaster The userOp's paymaster, or zero when the account pays.
     * @param gasLimit verificationGasLimit + callGasLimit + preVerificationGas + paymasterVerificationGasLimit +
     * paymasterPostOpGasLimit: the most gas the op may be charged for.
     * @param maxFeePerGas The userOp's maxFeePerGas.
     * @param config The session's `gasPolicyConfig`.
     * @return validationData 0, or `validUntil << 160 | validAfter << 208` (no signature-failure bit).
     */
    function checkGas(
        address account,
        bytes32 sessionDigest,
        uint48 declaredTime,
        address paymaster,
        uint256 gasLimit,
        uint256 maxFeePerGas,
        bytes calldata config
    ) external returns (uint256 validationData);
}
