// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Minimal AggregatorV3-style price feed interface
/// @notice The subset of Chainlink's `AggregatorV3Interface` that TierGuard reads to value tokens in its
/// reference currency.
/// @dev Compatible with Chainlink data feeds: same selectors and return layouts. Keeps Chainlink's name,
/// hence the lint exception for the "I" prefix.
// solhint-disable-next-line interface-starts-with-i
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer` (e.g. 8 for most USD pairs).
    /// @return The feed's decimals.
    function decimals() external view returns (uint8);

    /// @notice Human-readable description of the pair, e.g. "EUR / USD".
    /// @return The feed's description.
    function description() external view returns (string memory);

    /// @notice Version of the feed's aggregator.
    /// @return The version number.
    function version() external view returns (uint256);

    /// @notice The latest round's data.
    /// @return roundId id of the round
    /// @return answer the price, with `decimals()` decimals
    /// @return startedAt unix seconds when the round started
    /// @return updatedAt unix seconds when the answer was last updated
    /// @return answeredInRound id of the round in which the answer was computed
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
