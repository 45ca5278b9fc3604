// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {ERC7739} from "@openzeppelin/contracts/utils/cryptography/signers/draft-ERC7739.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ERC4337Utils} from "@openzeppelin/contracts/account/utils/ERC4337Utils.sol";
import {IEntryPoint, PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IERC7579Validator, MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/**
 * @title LatchkeyAccountCore
 * @notice What every Latchkey account does, whoever its owner is: OpenZeppelin's ERC-7579 account on
 * EntryPoint v0.7, with the owner's checks in `_rawSignatureValidation` (the concrete account's signer:
 * {LatchkeyAccount}'s stored ECDSA key, {LatchkeyAccount7702}'s own EOA key).
 *
 * How a userOp is validated is chosen by the first 20 bytes of its nonce key (OpenZeppelin's layout:
 * `validator (20) ‖ key (4) ‖ sequence (8)`):
 *
 * - zero address: the built-in owner path. The owner signs the EIP-191 message hash of the plain userOpHash
 *   (`personal_sign` of the 32 bytes), as EntryPoint v0.7's SimpleAccount does, so that any wallet can sign.
 *   The module lookup is skipped on this path.
 * - an installed validator module: the module receives the userOp and the plain userOpHash, as on other
 *   ERC-7579 accounts.
 * - any other address: the signature fails (SIG_VALIDATION_FAILED). There is no raw-hash owner fallback.
 *
 * ERC-1271 ({isValidSignature}): a signature whose first 20 bytes name an installed validator goes to that
 * module; anything else is checked as an ERC-7739 signature of the owner (nested EIP-712 typed data or nested
 * personal sign, bound to this account's address and chain id, so one owner signature cannot be replayed on
 * another account of the same owner).
 */
abstract contract LatchkeyAccountCore is AccountERC7579, ERC7739 {
    using MessageHashUtils for bytes32;

    /// @notice EntryPoint v0.7 (OpenZeppelin's default is v0.9).
    function entryPoint() public pure override returns (IEntryPoint) {
        return ERC4337Utils.ENTRYPOINT_V07;
    }

    /**
     * @notice ERC-1271: an installed validator named by the first 20 bytes, else the owner under ERC-7739.
     */
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) public view override(AccountERC7579, ERC7739) returns (bytes4) {
        if (signature.length >= 20) {
            address module = address(bytes20(signature));
            if (module != address(0) && isModuleInstalled(MODULE_TYPE_VALIDATOR, module, signature[0:0])) {
                return AccountERC7579.isValidSignature(hash, signature);
            }
        }
        return ERC7739.isValidSignature(hash, signature);
    }

    function _validateUserOp(
        PackedUserOperation calldata userOp,
        bytes32 userOpHash,
        bytes calldata signature
    ) internal override returns (uint256) {
        address module = _extractUserOpValidator(userOp);
        if (module == address(0)) {
            return
                _rawSignatureValidation(userOpHash.toEthSignedMessageHash(), signature)
                    ? ERC4337Utils.SIG_VALIDATION_SUCCESS
                    : ERC4337Utils.SIG_VALIDATION_FAILED;
        }
        if (!isModuleInstalled(MODULE_TYPE_VALIDATOR, module, signature[0:0])) {
            return ERC4337Utils.SIG_VALIDATION_FAILED;
        }
        return IERC7579Validator(module).validateUserOp(userOp, userOpHash);
    }
}
