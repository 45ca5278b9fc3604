// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Validator} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";

/**
 * TEST ONLY: validator modules that each break one ERC-7562 rule while accepting every userOp. They are the
 * negative controls of the ERC-7562 checker: it must catch each of them. Never install them anywhere.
 */
abstract contract AcceptingValidator is IERC7579Validator {
    function onInstall(bytes calldata) external virtual {}

    function onUninstall(bytes calldata) external virtual {}

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 1;
    }

    function isValidSignatureWithSender(address, bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}

/// @notice Reads TIMESTAMP during validation (OP-011).
contract TimestampReadingValidator is AcceptingValidator {
    function validateUserOp(PackedUserOperation calldata, bytes32) external view returns (uint256) {
        return block.timestamp > 1 ? 0 : 1;
    }
}

/// @notice Keeps `mapping(address account => mapping(bytes32 => uint256))`: the account is not the innermost key (STO-021).
contract OuterKeyedValidator is AcceptingValidator {
    mapping(address account => mapping(bytes32 key => uint256 value)) private _values;

    function onInstall(bytes calldata) external override {
        _values[msg.sender][keccak256("key")] = 1;
    }

    function validateUserOp(PackedUserOperation calldata, bytes32) external view returns (uint256) {
        return _values[msg.sender][keccak256("key")] == 1 ? 0 : 1;
    }
}

/// @notice Reads a fixed storage slot, shared by every account (STO-021).
contract FixedSlotValidator is AcceptingValidator {
    uint256 private _enabled = 1;

    function validateUserOp(PackedUserOperation calldata, bytes32) external view returns (uint256) {
        return _enabled == 1 ? 0 : 1;
    }
}
