// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SessionKeyManager} from "../sessions/SessionKeyManager.sol";

/**
 * @title GeneralPathSessionKeyManager
 * @notice TEST ONLY. SessionKeyManager with its common-use path switched off: every userOp takes the general
 * path. test/commonUse.test.ts sends the same ops to both and requires the same answer from each.
 */
contract GeneralPathSessionKeyManager is SessionKeyManager {
    function _triesCommonPath() internal pure override returns (bool) {
        return false;
    }
}
