// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Module, IERC7579Execution, MODULE_TYPE_EXECUTOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/**
 * @title ForwardingExecutor
 * @notice TEST ONLY: an executor module that makes any call from any account it is installed on, for anyone
 * who asks (a nested call that nothing checks, like an unguarded `redeemDelegations`). Tests use it to show
 * that a session can never reach such a module. Never install it anywhere.
 */
contract ForwardingExecutor is IERC7579Module {
    function onInstall(bytes calldata) external {}

    function onUninstall(bytes calldata) external {}

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_EXECUTOR;
    }

    /// @notice Makes `account` call `target` with `data` (single call, default exec type).
    function forward(address account, address target, bytes calldata data) external {
        IERC7579Execution(account).executeFromExecutor(bytes32(0), abi.encodePacked(target, uint256(0), data));
    }
}
