// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {AbstractSigner} from "@openzeppelin/contracts/utils/cryptography/signers/AbstractSigner.sol";
import {SignerEIP7702} from "@openzeppelin/contracts/utils/cryptography/signers/SignerEIP7702.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {LatchkeyAccountCore} from "./LatchkeyAccountCore.sol";

/**
 * @title LatchkeyAccount7702
 * @notice The Latchkey account for an EOA that delegates to it (EIP-7702): {LatchkeyAccountCore} whose owner is
 * the EOA's own key (OpenZeppelin's `SignerEIP7702`: a signature is the owner's when it recovers to
 * `address(this)`). No initializer and no owner in storage: the delegation alone makes the EOA an ERC-7579
 * account on EntryPoint v0.7, and its first userOp (carrying the authorization) installs its modules, such as
 * the SessionKeyManager.
 *
 * Storage is the EOA's own. OpenZeppelin's ERC-7579 account keeps its module sets in plain slots from 0: an
 * EOA that was delegated before to code using those slots must not carry its state over (docs/accounts.md,
 * "EIP-7702 accounts"). The EOA's key stays all-powerful: it can send transactions directly and re-delegate.
 */
contract LatchkeyAccount7702 is LatchkeyAccountCore, SignerEIP7702 {
    constructor() EIP712("LatchkeyAccount7702", "1") {}

    /// @inheritdoc AccountERC7579
    function accountId() public pure override returns (string memory) {
        return "latchkey.account7702.0.1.0";
    }

    /// @dev The EOA's own key; used by the owner path and by ERC-7739 with the nested, account-bound hash.
    function _rawSignatureValidation(
        bytes32 hash,
        bytes calldata signature
    ) internal view override(AccountERC7579, SignerEIP7702, AbstractSigner) returns (bool) {
        return SignerEIP7702._rawSignatureValidation(hash, signature);
    }
}
