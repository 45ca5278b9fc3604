// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title ArgumentSink
 * @notice TEST ONLY: a function with parameters of every shape the ABI policy addresses (static arrays of
 * unsigned and signed integers, an address, fixed bytes, dynamic bytes, an address array, an array of
 * dynamic tuples, a static tuple), which only counts its calls. Tests put one rule of every operator on it.
 */
contract ArgumentSink {
    struct Item {
        uint256 id;
        bytes note;
    }

    struct Pair {
        address a;
        uint64 b;
    }

    mapping(address caller => uint256) public calls;

    function accept(
        uint256[8] calldata,
        int256[5] calldata,
        address,
        bytes4,
        uint8,
        bytes calldata,
        address[] calldata,
        Item[] calldata,
        Pair calldata
    ) external payable {
        calls[msg.sender] += 1;
    }
}
