// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionPolicy} from "../sessions/ISessionPolicy.sol";

/**
 * @title UsageLimitPolicy
 * @notice A session policy that lets a permission be used at most `maxUses` times over the session's life.
 * Config: `abi.encode(uint256 maxUses)`.
 *
 * Counters are kept per caller (the manager), session, permission and account, with the account as the
 * innermost mapping key (ERC-7562).
 */
contract UsageLimitPolicy is ISessionPolicy {
    mapping(bytes32 id => mapping(address account => uint256 uses)) private _uses;

    /// @notice The permission has been used `maxUses` times already.
    error UsageLimitReached(uint256 maxUses);
    /// @notice The config is not one ABI-encoded uint256.
    error UsageLimitConfigInvalid(bytes config);

    /// @inheritdoc ISessionPolicy
    function checkCall(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint48,
        address,
        uint256,
        bytes calldata,
        bytes calldata config
    ) external returns (uint256) {
        if (config.length != 32) revert UsageLimitConfigInvalid(config);
        uint256 maxUses = uint256(bytes32(config));
        bytes32 id = _id(msg.sender, sessionDigest, permissionIndex);
        uint256 used = _uses[id][account];
        if (used >= maxUses) revert UsageLimitReached(maxUses);
        _uses[id][account] = used + 1;
        return 0;
    }

    /// @notice How many times `account` used the permission, as counted for `manager`.
    function usesOf(address manager, address account, bytes32 sessionDigest, uint256 permissionIndex) external view returns (uint256) {
        return _uses[_id(manager, sessionDigest, permissionIndex)][account];
    }

    function _id(address manager, bytes32 sessionDigest, uint256 permissionIndex) private pure returns (bytes32) {
        return keccak256(abi.encode(manager, sessionDigest, permissionIndex));
    }
}
