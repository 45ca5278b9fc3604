// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {AbstractSigner} from "@openzeppelin/contracts/utils/cryptography/signers/AbstractSigner.sol";
import {SignerECDSA} from "@openzeppelin/contracts/utils/cryptography/signers/SignerECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {LatchkeyAccountCore} from "./LatchkeyAccountCore.sol";

/**
 * @title LatchkeyAccount
 * @notice The Latchkey reference smart account: {LatchkeyAccountCore} (OpenZeppelin's ERC-7579 account on
 * EntryPoint v0.7, its validation routing and ERC-1271) owned by one ECDSA key, deployed as an EIP-1167 clone
 * by {LatchkeyAccountFactory}. {LatchkeyAccount7702} is the same account for an EOA that delegates to it.
 *
 * NOTE: clones are not upgradeable. New behaviour arrives as modules; a new account version is a new
 * implementation and factory (see docs/account.md).
 */
contract LatchkeyAccount is Initializable, LatchkeyAccountCore, SignerECDSA {
    /// @dev A module to install when the account is initialised.
    struct ModuleInit {
        uint256 moduleTypeId;
        address module;
        bytes initData;
    }

    /// @notice Emitted when the owner key changes.
    event LatchkeyOwnerChanged(address indexed previousOwner, address indexed newOwner);

    /// @notice The owner may not be the zero address.
    error LatchkeyAccountZeroOwner();

    constructor() EIP712("LatchkeyAccount", "1") SignerECDSA(address(0)) {
        _disableInitializers();
    }

    /**
     * @notice Sets the owner and installs the given modules. Called once, by the factory, in the same
     * transaction that creates the clone.
     */
    function initialize(address owner_, ModuleInit[] calldata modules) external initializer {
        _setOwner(owner_);
        for (uint256 i = 0; i < modules.length; ++i) {
            _installModule(modules[i].moduleTypeId, modules[i].module, modules[i].initData);
        }
    }

    /// @notice The ECDSA key that owns the account.
    function owner() external view returns (address) {
        return signer();
    }

    /// @notice Replaces the owner key. Only through a userOp (or the account calling itself).
    function setOwner(address newOwner) external onlyEntryPointOrSelf {
        _setOwner(newOwner);
    }

    /// @inheritdoc AccountERC7579
    function accountId() public pure override returns (string memory) {
        return "latchkey.account.0.1.0";
    }

    /// @dev The owner's ECDSA check; used by ERC-7739 with the nested, account-bound hash.
    function _rawSignatureValidation(
        bytes32 hash,
        bytes calldata signature
    ) internal view override(AccountERC7579, SignerECDSA, AbstractSigner) returns (bool) {
        return SignerECDSA._rawSignatureValidation(hash, signature);
    }

    function _setOwner(address newOwner) private {
        require(newOwner != address(0), LatchkeyAccountZeroOwner());
        emit LatchkeyOwnerChanged(signer(), newOwner);
        _setSigner(newOwner);
    }
}
