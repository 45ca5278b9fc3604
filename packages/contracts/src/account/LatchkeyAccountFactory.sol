// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC4337Utils} from "@openzeppelin/contracts/account/utils/ERC4337Utils.sol";
import {LatchkeyAccount} from "./LatchkeyAccount.sol";

/**
 * @title LatchkeyAccountFactory
 * @notice Deploys {LatchkeyAccount} clones at CREATE2 addresses that are known before deployment. Put the
 * factory and {createAccount}'s calldata in a userOp's initCode and the first userOp deploys the account.
 *
 * The address commits to the owner, the initial modules and the salt, so nobody can deploy the owner's
 * address with other modules first. Calling {createAccount} for an account that exists returns its address.
 *
 * The factory can hold a stake in the EntryPoint (ERC-7562 STO-022: a first userOp may touch storage that
 * modules keep for the new account only when the factory is staked). Anyone may add stake; only the
 * factory's owner may unlock and withdraw it.
 */
contract LatchkeyAccountFactory is Ownable {
    /// @notice The implementation every clone delegates to.
    LatchkeyAccount public immutable implementation;

    /// @notice Emitted when an account is deployed.
    event LatchkeyAccountCreated(address indexed account, address indexed owner, bytes32 salt);

    constructor(LatchkeyAccount implementation_, address owner_) Ownable(owner_) {
        implementation = implementation_;
    }

    /// @notice Deploys (or returns) the account of `owner_` with `modules` and `salt`.
    function createAccount(
        address owner_,
        LatchkeyAccount.ModuleInit[] calldata modules,
        bytes32 salt
    ) external returns (address account) {
        bytes32 cloneSalt = _cloneSalt(owner_, modules, salt);
        account = Clones.predictDeterministicAddress(address(implementation), cloneSalt);
        if (account.code.length != 0) return account;
        Clones.cloneDeterministic(address(implementation), cloneSalt);
        LatchkeyAccount(payable(account)).initialize(owner_, modules);
        emit LatchkeyAccountCreated(account, owner_, salt);
    }

    /// @notice The address {createAccount} deploys to for these arguments.
    function getAddress(
        address owner_,
        LatchkeyAccount.ModuleInit[] calldata modules,
        bytes32 salt
    ) external view returns (address) {
        return Clones.predictDeterministicAddress(address(implementation), _cloneSalt(owner_, modules, salt));
    }

    /// @notice Adds to the factory's stake in EntryPoint v0.7.
    function addStake(uint32 unstakeDelaySec) external payable {
        ERC4337Utils.ENTRYPOINT_V07.addStake{value: msg.value}(unstakeDelaySec);
    }

    /// @notice Starts the unstake delay.
    function unlockStake() external onlyOwner {
        ERC4337Utils.ENTRYPOINT_V07.unlockStake();
    }

    /// @notice Withdraws the unlocked stake.
    function withdrawStake(address payable to) external onlyOwner {
        ERC4337Utils.ENTRYPOINT_V07.withdrawStake(to);
    }

    function _cloneSalt(
        address owner_,
        LatchkeyAccount.ModuleInit[] calldata modules,
        bytes32 salt
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(owner_, modules, salt));
    }
}
