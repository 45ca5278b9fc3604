// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Module, MODULE_TYPE_FALLBACK} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/**
 * @title PingFallback
 * @notice TEST ONLY: a fallback-handler module for `ping()` that records who pinged it (the ERC-2771 sender the
 * account appends, else the caller), and whose `onUninstall` trusts its caller as the account, as modules
 * do. Tests use it to show that no session reaches a fallback handler. Never install it anywhere.
 */
contract PingFallback is IERC7579Module {
    mapping(address account => bool) public installed;
    mapping(address account => uint256) public pings;

    function onInstall(bytes calldata) external {
        installed[msg.sender] = true;
    }

    function onUninstall(bytes calldata) external {
        installed[msg.sender] = false;
    }

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_FALLBACK;
    }

    function ping() external {
        pings[msg.sender] += 1;
    }
}
