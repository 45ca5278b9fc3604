// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionPolicy} from "../sessions/ISessionPolicy.sol";
import {PolicyLimits} from "./PolicyLimits.sol";

/**
 * @title StreamPolicy
 * @notice A session policy for an amount that accrues linearly (ERC-7715's token streams): at time `t` the
 * session may have moved, in total, `min(initialAmount + amountPerSecond × (t − startTime), maxAmount)`
 * (nothing before `startTime`). It allows one kind of call: with `token` zero, a plain native transfer
 * (empty calldata; its value counts); otherwise `transfer(address,uint256)` on `token`, exactly 68 bytes,
 * no value (its amount counts). Config and order of checks: docs/policies.md §9.
 *
 * `t` is the userOp's declared time: the policy returns it as validAfter, so the EntryPoint holds the op
 * until the chain's time has reached it and no op can spend what has not accrued yet.
 */
contract StreamPolicy is ISessionPolicy, PolicyLimits {
    bytes4 private constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    uint256 private constant CONFIG_LENGTH = 122; // token (20) ‖ initialAmount (32) ‖ maxAmount (32) ‖ amountPerSecond (32) ‖ startTime (6)
    uint256 private constant LIMIT_STREAM = 0;

    /// @notice The config is not in the format of docs/policies.md §9.
    error StreamConfigMalformed();
    /// @notice The call is not the one kind the stream allows (a plain transfer, or `transfer` on the token).
    error StreamCallRefused();
    /// @notice A token stream's call goes to another contract than its token.
    error StreamTargetRefused(address target);
    /// @notice The `transfer` calldata is not 68 bytes, or its recipient has dirty high bits.
    error StreamCallMalformed();

    /// @inheritdoc ISessionPolicy
    function checkCall(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint48 declaredTime,
        address target,
        uint256 value,
        bytes calldata data,
        bytes calldata config
    ) external returns (uint256) {
        if (config.length != CONFIG_LENGTH) revert StreamConfigMalformed();
        address token = address(bytes20(config[0:20]));
        uint256 initialAmount = _word(config, 20);
        uint256 maxAmount = _word(config, 52);
        uint256 amountPerSecond = _word(config, 84);
        uint256 startTime = uint48(bytes6(config[116:122]));
        if (maxAmount < initialAmount || amountPerSecond == 0) revert StreamConfigMalformed();

        uint256 amount = _amount(token, target, value, data);
        uint256 accrued = _accrued(initialAmount, maxAmount, amountPerSecond, startTime, declaredTime);
        _consume(account, sessionDigest, permissionIndex, LIMIT_STREAM, amount, accrued, 0, declaredTime);
        return uint256(declaredTime) << 208;
    }

    /**
     * @notice What a stream has made available by `time` in total (before subtracting what was spent):
     * `min(initialAmount + amountPerSecond × (time − startTime), maxAmount)`, 0 before `startTime`.
     */
    function accrued(bytes calldata config, uint48 time) external pure returns (uint256) {
        if (config.length != CONFIG_LENGTH) revert StreamConfigMalformed();
        return _accrued(_word(config, 20), _word(config, 52), _word(config, 84), uint48(bytes6(config[116:122])), time);
    }

    function _accrued(
        uint256 initialAmount,
        uint256 maxAmount,
        uint256 amountPerSecond,
        uint256 startTime,
        uint256 time
    ) private pure returns (uint256) {
        if (time < startTime) return 0;
        uint256 room = maxAmount - initialAmount;
        uint256 elapsed = time - startTime;
        // amountPerSecond × elapsed, saturating at the room left below maxAmount (no overflow).
        if (elapsed != 0 && amountPerSecond > room / elapsed) return maxAmount;
        uint256 streamed = amountPerSecond * elapsed;
        return streamed > room ? maxAmount : initialAmount + streamed;
    }

    /// @dev The amount the call moves, or a revert when it is not the one kind of call the stream allows.
    function _amount(address token, address target, uint256 value, bytes calldata data) private pure returns (uint256) {
        if (token == address(0)) {
            if (data.length != 0) revert StreamCallRefused();
            return value;
        }
        if (target != token) revert StreamTargetRefused(target);
        if (value != 0 || data.length < 4 || bytes4(data[0:4]) != TRANSFER) revert StreamCallRefused();
        if (data.length != 68 || _word(data, 4) >> 160 != 0) revert StreamCallMalformed();
        return _word(data, 36);
    }

    function _word(bytes calldata data, uint256 position) private pure returns (uint256) {
        return uint256(bytes32(data[position:position + 32]));
    }
}
