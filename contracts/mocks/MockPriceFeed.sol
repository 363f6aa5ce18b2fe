// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title Settable AggregatorV3-style price feed
/// @notice A price feed whose answer and update time tests set directly, to exercise pricing, invalid
/// answers (zero or negative) and staleness.
/// @dev TEST ONLY: anyone can set the answer. Every setter starts a new round (`roundId` + 1) and reports
/// `answeredInRound == roundId`, except `setRoundData`, which sets every field as given.
contract MockPriceFeed is AggregatorV3Interface {
    /// @notice Emitted whenever the answer changes, as Chainlink aggregators do (same topic, but here every
    /// field is indexed).
    /// @param current the new answer
    /// @param roundId the new round's id
    /// @param updatedAt the new answer's update time, unix seconds
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 indexed updatedAt);

    /// @dev Decimals of the answer, fixed at deployment.
    uint8 private immutable _decimals;

    /// @notice Human-readable description of the feed.
    string public override description;

    /// @dev Latest round: id, answer, start, update time and the round it was answered in.
    uint80 private _roundId;
    int256 private _answer;
    uint256 private _startedAt;
    uint256 private _updatedAt;
    uint80 private _answeredInRound;

    /// @notice Deploys the feed with a first round answered now.
    /// @param decimals_ decimals of the answer (e.g. 8)
    /// @param answer_ the first answer (e.g. 1.08e8 for EUR/USD at 1.08 with 8 decimals)
    constructor(uint8 decimals_, int256 answer_) {
        _decimals = decimals_;
        description = "Mock price feed";
        _setRound(answer_, block.timestamp);
    }

    /// @notice Sets a new answer, updated now, in a new round.
    /// @param answer_ the new answer, with `decimals()` decimals
    function setAnswer(int256 answer_) external {
        _setRound(answer_, block.timestamp);
    }

    /// @notice Sets a new answer with an explicit update time (e.g. in the past, to test staleness), in a new round.
    /// @param answer_ the new answer, with `decimals()` decimals
    /// @param updatedAt_ the answer's update time, unix seconds (also used as the round's start)
    function setRound(int256 answer_, uint256 updatedAt_) external {
        _setRound(answer_, updatedAt_);
    }

    /// @notice Sets every field of the latest round as given (e.g. `answeredInRound < roundId`).
    /// @param roundId_ the round's id
    /// @param answer_ the answer, with `decimals()` decimals
    /// @param startedAt_ the round's start, unix seconds
    /// @param updatedAt_ the answer's update time, unix seconds
    /// @param answeredInRound_ the round in which the answer was computed
    function setRoundData(
        uint80 roundId_,
        int256 answer_,
        uint256 startedAt_,
        uint256 updatedAt_,
        uint80 answeredInRound_
    ) external {
        _roundId = roundId_;
        _answer = answer_;
        _startedAt = startedAt_;
        _updatedAt = updatedAt_;
        _answeredInRound = answeredInRound_;
        emit AnswerUpdated(answer_, roundId_, updatedAt_);
    }

    /// @notice Sets the feed's description.
    /// @param description_ the new description, e.g. "EUR / USD"
    function setDescription(string calldata description_) external {
        description = description_;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view override returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function version() external pure override returns (uint256) {
        return 4;
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData()
        external
        view
        override
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }

    /// @dev Starts a new round with `answer_`, started and updated at `updatedAt_`.
    function _setRound(int256 answer_, uint256 updatedAt_) private {
        uint80 roundId_ = _roundId + 1;
        _roundId = roundId_;
        _answer = answer_;
        _startedAt = updatedAt_;
        _updatedAt = updatedAt_;
        _answeredInRound = roundId_;
        emit AnswerUpdated(answer_, roundId_, updatedAt_);
    }
}
