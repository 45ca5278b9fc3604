// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @title PolicyLimits
 * @notice Counters for the limits of session policies, lifetime or per period (docs/policies.md §1–§2).
 *
 * A counter is one slot: `periodId (48 bits) ‖ used (208 bits)`, under
 * `keccak256(abi.encode(manager, sessionDigest, permissionIndex, limitIndex))` and then the account, the
 * innermost key (ERC-7562 associated storage). The manager is `msg.sender` in a policy module (so no one
 * else can move an account's counters there), and the manager itself when it evaluates rules built in.
 *
 * Periods never read TIMESTAMP: the userOp declares a time, the period containing it is used, and the
 * period's bounds go back to the EntryPoint as validAfter/validUntil, which holds the op to them.
 */
abstract contract PolicyLimits {
    uint256 private constant USED_BITS = 208;
    uint256 private constant USED_MASK = (1 << USED_BITS) - 1;
    uint256 private constant MAX_UINT48 = type(uint48).max;

    mapping(bytes32 id => mapping(address account => uint256 periodAndUsed)) private _counters;

    /// @notice Limit `limitIndex` would go from `used` to `used + amount`, above `max`.
    error PolicyLimitExceeded(uint256 limitIndex, uint256 used, uint256 amount, uint256 max);
    /// @notice The userOp declares a period older than the one limit `limitIndex` has already counted in.
    error PolicyPeriodPast(uint256 limitIndex);
    /**
     * @notice The declared time falls in the first period of limit `limitIndex` (before 1970-01-01 plus one
     * period): that period's window would end at time 0 for a 1-second period, which ERC-4337 reads as "no
     * expiry", so no op may declare it.
     */
    error PolicyDeclaredTimeTooEarly(uint256 limitIndex, uint256 declaredTime);

    /**
     * @notice A counter as stored: its period and what was used in it (a period older than the current one
     * means nothing is used now).
     */
    function usage(
        address manager,
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint256 limitIndex
    ) external view returns (uint48 periodId, uint256 used) {
        uint256 slot = _counters[_counterId(manager, sessionDigest, permissionIndex, limitIndex)][account];
        return (uint48(slot >> USED_BITS), slot & USED_MASK);
    }

    /**
     * @dev Adds `amount` to a counter of at most `max` per `period` seconds (0 = lifetime) in the period
     * containing `declaredTime`; reverts when it would exceed `max`. Returns the period's validation data
     * (0 for a lifetime limit).
     */
    function _consume(
        address account,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint256 limitIndex,
        uint256 amount,
        uint256 max,
        uint256 period,
        uint48 declaredTime
    ) internal returns (uint256 validationData) {
        uint256 periodId = period == 0 ? 0 : declaredTime / period;
        if (period != 0 && periodId == 0) revert PolicyDeclaredTimeTooEarly(limitIndex, declaredTime);
        mapping(address => uint256) storage counter = _counters[
            _counterId(_manager(), sessionDigest, permissionIndex, limitIndex)
        ];
        uint256 slot = counter[account];
        uint256 storedPeriod = slot >> USED_BITS;
        uint256 used = slot & USED_MASK;
        if (storedPeriod > periodId) revert PolicyPeriodPast(limitIndex);
        if (storedPeriod < periodId) used = 0;
        // `amount` may be any uint256: compare without overflowing.
        if (amount > max || used > max - amount || used + amount > USED_MASK) {
            revert PolicyLimitExceeded(limitIndex, used, amount, max);
        }
        counter[account] = (periodId << USED_BITS) | (used + amount);
        if (period == 0) return 0;
        return _periodWindow(periodId, period);
    }

    /// @dev The manager whose counters these are: the caller (a policy module is called by the manager).
    function _manager() internal view virtual returns (address) {
        return msg.sender;
    }

    /**
     * @dev Validation data bounding an op to period `periodId` of `period` seconds (validUntil capped at 2^48−1).
     * `periodId` is never 0 here (see `_consume`), so validUntil is never 0, which would mean no bound.
     */
    function _periodWindow(uint256 periodId, uint256 period) internal pure returns (uint256) {
        uint256 validAfter = periodId * period;
        uint256 validUntil = validAfter + period - 1;
        if (validUntil > MAX_UINT48) validUntil = MAX_UINT48;
        return (validUntil << 160) | (validAfter << 208);
    }

    /// @dev Both windows hold: the later validAfter, the earlier validUntil (0 = no bound). No failure bits.
    function _intersectWindows(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 untilA = uint48(a >> 160);
        uint256 untilB = uint48(b >> 160);
        uint256 validUntil = untilA == 0 ? untilB : (untilB == 0 || untilA < untilB ? untilA : untilB);
        uint256 afterA = a >> 208;
        uint256 afterB = b >> 208;
        return (validUntil << 160) | ((afterA > afterB ? afterA : afterB) << 208);
    }

    function _counterId(
        address manager,
        bytes32 sessionDigest,
        uint256 permissionIndex,
        uint256 limitIndex
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(manager, sessionDigest, permissionIndex, limitIndex));
    }
}
