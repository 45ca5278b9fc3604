// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title ISessionSignerVerifier
 * @notice Verifies a session signer's signature for a kind of key the manager does not check itself
 * (the manager checks ECDSA keys inline). Stateless: no storage, no banned opcodes.
 */
interface ISessionSignerVerifier {
    /**
     * @param signer The session's `signer` bytes (the key, in the verifier's own format).
     * @param hash What session signers sign: the EIP-191 message hash of the session signing hash,
     * `keccak256(userOpHash ‖ digest ‖ permission indices ‖ declaredTime)`, or in batch mode
     * `keccak256(0x80 ‖ userOpHash ‖ digests ‖ call entries ‖ declaredTime)` (docs/sessions.md §5, §6).
     * @return True when `signature` is `signer`'s signature of `hash`.
     */
    function isValidSessionSignature(bytes calldata signer, bytes32 hash, bytes calldata signature) external view returns (bool);
}
