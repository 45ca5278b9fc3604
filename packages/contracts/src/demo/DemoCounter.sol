// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title DemoCounter
 * @notice A devnet-only contract that counts calls per caller and can be made to revert, for demos and
 * tests of execution.
 */
contract DemoCounter {
    mapping(address caller => uint256 count) public counts;

    event Counted(address indexed caller, uint256 count, uint256 value);

    error DemoCounterRefused(uint256 code);

    function count() external payable returns (uint256 newCount) {
        newCount = ++counts[msg.sender];
        emit Counted(msg.sender, newCount, msg.value);
    }

    /// @notice Always reverts with `code`, to test failing executions.
    function refuse(uint256 code) external pure {
        revert DemoCounterRefused(code);
    }
}
