// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Validator} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";

/**
 * @title AcceptAllValidator
 * @notice TEST ONLY: a validator module that accepts every userOp and every ERC-1271 signature. Tests use it
 * to show that an account never consults a validator that is not installed. Never install it anywhere.
 */
contract AcceptAllValidator is IERC7579Validator {
    function onInstall(bytes calldata) external {}

    function onUninstall(bytes calldata) external {}

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == 1;
    }

    function validateUserOp(PackedUserOperation calldata, bytes32) external pure returns (uint256) {
        return 0;
    }

    function isValidSignatureWithSender(address, bytes32, bytes calldata) external pure returns (bytes4) {
        return 0x1626ba7e;
    }
}
