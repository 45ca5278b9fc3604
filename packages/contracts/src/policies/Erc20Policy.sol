// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionPolicy} from "../sessions/ISessionPolicy.sol";
import {PolicyLimits} from "./PolicyLimits.sol";

/**
 * @title Erc20Policy
 * @notice The ERC-20 session validation module: which token functions a session may call, to whom, and how
 * much. `transfer`, `approve`, `increaseAllowance` and `transferFrom` (from the account only) all count
 * their amount against the same caps, so an approval is no way around a limit; any other function is
 * refused. Config and order of checks: docs/policies.md §4.
 *
 * Use it on a permission whose target is the token and whose selector is the manager's ANY_SELECTOR.
 */
contract Erc20Policy is ISessionPolicy, PolicyLimits {
    bytes4 private constant TRANSFER = 0xa9059cbb; // transfer(address,uint256)
    bytes4 private constant APPROVE = 0x095ea7b3; // approve(address,uint256)
    bytes4 private constant INCREASE_ALLOWANCE = 0x39509351; // increaseAllowance(address,uint256)
    bytes4 private constant TRANSFER_FROM = 0x23b872dd; // transferFrom(address,address,uint256)

    uint256 private constant HEADER = 101; // perCall (32) ‖ total (32) ‖ perPeriod (32) ‖ period (4) ‖ count (1)
    uint256 private constant LIMIT_TOTAL = 0;
    uint256 private constant LIMIT_PERIOD = 1;

    /// @notice The config is not in the format of docs/policies.md §4.
    error Erc20ConfigMalformed();
    /// @notice The call is not transfer, approve, increaseAllowance or transferFrom.
    error Erc20FunctionRefused(bytes4 selector);
    /// @notice The calldata is too short for its function, or an address in it has dirty high bits.
    error Erc20CallMalformed();
    /// @notice A transferFrom moves tokens of someone other than the account.
    error Erc20FromNotAccount(address from);
    /// @notice The recipient (or spender) is not in the config's list.
    error Erc20RecipientRefused(address recipient);
    /// @notice The amount is above the per-call cap.
    error Erc20AmountAboveCap(uint256 amount, uint256 cap);

    /// @inheritdoc ISessionPolicy
    function checkCall(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint48 declaredTime,
        address,
        uint256,
        bytes calldata data,
        bytes calldata config
    ) external returns (uint256 validationData) {
        if (config.length < HEADER) revert Erc20ConfigMalformed();
        uint256 recipientCount = uint8(config[HEADER - 1]);
        if (config.length != HEADER + 20 * recipientCount) revert Erc20ConfigMalformed();
        uint256 perPeriod = _word(config, 64);
        uint256 period = uint32(bytes4(config[96:100]));
        if (perPeriod != 0 && period == 0) revert Erc20ConfigMalformed();

        (address recipient, uint256 amount) = _recipientAndAmount(account, data);
        if (recipientCount != 0 && !_isListed(config, recipientCount, recipient)) revert Erc20RecipientRefused(recipient);
        uint256 perCall = _word(config, 0);
        if (perCall != 0 && amount > perCall) revert Erc20AmountAboveCap(amount, perCall);
        uint256 total = _word(config, 32);
        if (total != 0) _consume(account, sessionDigest, permissionIndex, LIMIT_TOTAL, amount, total, 0, declaredTime);
        if (perPeriod != 0) {
            validationData = _consume(account, sessionDigest, permissionIndex, LIMIT_PERIOD, amount, perPeriod, period, declaredTime);
        }
    }

    /// @dev Who receives (or may spend) the tokens and how many, by the function called.
    function _recipientAndAmount(address account, bytes calldata data) private pure returns (address, uint256) {
        bytes4 selector = data.length >= 4 ? bytes4(data[0:4]) : bytes4(0);
        if (selector == TRANSFER || selector == APPROVE || selector == INCREASE_ALLOWANCE) {
            if (data.length < 68) revert Erc20CallMalformed();
            return (_address(data, 4), _word(data, 36));
        }
        if (selector == TRANSFER_FROM) {
            if (data.length < 100) revert Erc20CallMalformed();
            address from = _address(data, 4);
            address to = _address(data, 36);
            if (from != account) revert Erc20FromNotAccount(from);
            return (to, _word(data, 68));
        }
        revert Erc20FunctionRefused(selector);
    }

    function _isListed(bytes calldata config, uint256 count, address recipient) private pure returns (bool) {
        for (uint256 i = 0; i < count; ++i) {
            uint256 position = HEADER + 20 * i;
            if (address(bytes20(config[position:position + 20])) == recipient) return true;
        }
        return false;
    }

    /// @dev The address in the word at byte `position`; its high 96 bits must be zero.
    function _address(bytes calldata data, uint256 position) private pure returns (address) {
        uint256 word = _word(data, position);
        if (word >> 160 != 0) revert Erc20CallMalformed();
        return address(uint160(word));
    }

    function _word(bytes calldata data, uint256 position) private pure returns (uint256) {
        return uint256(bytes32(data[position:position + 32]));
    }
}
