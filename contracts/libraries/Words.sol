// SPDX-License-Identifier: MIT
// solhint-disable one-contract-per-file
pragma solidity ^0.8.28;

import {ITierGuardBase as I} from "../interfaces/ITierGuardBase.sol";

/// @dev The hot settings word (layout in `Words`): pause flag, threshold, policy version, prohibited trust levels
/// and the autonomous tier, read by every payment.
type Hot is uint256;

using HotWord for Hot global;

/// @dev A session key's word (layout in `Words`): the agent id it acts for and when it expires.
type Key is uint256;

using KeyWord for Key global;

/// @title Words
/// @notice Bit layouts of the wallet's storage words. An autonomous payment reads five words (session key, hot
/// settings, token, recipient trust, agent counters) and writes one (agent counters): that is what keeps it
/// close to the bare transfer it wraps.
/// @dev Layouts, least significant bit first:
///
/// hot:       paused 0 | prohibitedTrust 1..3 | autonomous budget 4 | threshold 8..15 | policyVersion 16..47
///            | autonomous tier: maxValue 48..111, maxCount 112..143, period 144..175, minTrust 176..183,
///            categories 192..255 (on top, so that a category id >= 64 reads as "not allowed" for free)
/// settings:  ownerCount 0..7 | unmatchedTier 8..15 | budget flags of tiers 1, 2 at bits 17, 18 | autoPromote 24
///            | prohibitedCategories 32..95 | supervised categories 96..159 | collaborative categories 160..223
///            | maxOpenIntents 224..239 | maxBlockedAttempts 240..255
///            (a tier's categories sit here, not in its rules word, so a tier that does not allow the intent's
///            category costs no SLOAD)
/// tier:      (categories 0..63: unused, always 0) | maxValue 64..127 | maxCount 128..159 | period 160..191
///            | window 192..223 | grace 224..247 | minTrust 248..255          (supervised and collaborative tiers)
/// key:       validUntil 0..39 | agentId (its upper 27 bytes) 40..255
/// token:     kind 0..7 | decimals 8..15 | priceDecimals 16..23 | maxStaleness 24..55 | source 56..215
/// agent:     for tier t in 0..2: windowStart 64t..64t+39, count 64t+40..64t+63 | open intents 192..207
///            | frozen 208 | nonce 216..255
/// budget:    max 0..63 | period 64..95 | windowStart 96..135 | spent 136..231 | epoch 232..255 (bumped whenever
///            the running window is discarded: a new window opens or the budget is removed)
/// intent:    status 0..7 | on-chain approvals (owner-slot bitmap) 8..23 | owner epoch of those approvals 24..55
///            | x402 56 (its execution authorizes an x402 payment instead of transferring)
///            | upper 192 bits of keccak256(abi.encode(PendingIntent)) 64..255
/// x402:      status 0..7 | validBefore 8..47 | tier 48..55 | budget epoch 56..79 (0: not counted) | value 80..143
///            | upper 112 bits of keccak256(abi.encode(intentId)) 144..255 (binds the record to its intent, so that
///            `isValidSignature` can check the agent, and `releaseX402` the caller's intent)
library Words {
    uint256 internal constant M8 = 0xff;
    uint256 internal constant M16 = 0xffff;
    uint256 internal constant M32 = 0xffffffff;
    uint256 internal constant M40 = 0xffffffffff;
    uint256 internal constant M24 = 0xffffff;
    uint256 internal constant M64 = 0xffffffffffffffff;
    uint256 internal constant M96 = 0xffffffffffffffffffffffff;

    // hot word
    uint256 internal constant H_PAUSED = 0;
    uint256 internal constant H_PROHIBITED_TRUST = 1;
    uint256 internal constant H_AUTONOMOUS_BUDGET = 4;
    uint256 internal constant H_THRESHOLD = 8;
    uint256 internal constant H_VERSION = 16;
    uint256 internal constant H_MAX_VALUE = 48;
    uint256 internal constant H_MAX_COUNT = 112;
    uint256 internal constant H_PERIOD = 144;
    uint256 internal constant H_MIN_TRUST = 176;
    uint256 internal constant H_CATEGORIES = 192;
    /// @dev the autonomous tier's fields in the hot word (bits 48..255)
    uint256 internal constant H_TIER_MASK = ~((uint256(1) << H_MAX_VALUE) - 1);

    // IntentSubmitted.details (see the interface)
    uint256 internal constant D_REASON = 8;
    uint256 internal constant D_MISSES = 16;
    uint256 internal constant D_VERSION = 32;
    uint256 internal constant D_NOT_BEFORE = 64;
    uint256 internal constant D_DEADLINE = 104;
    uint256 internal constant D_TIER = 144;
    uint256 internal constant D_BUDGETED_BIT = uint256(1) << 152;
    uint256 internal constant D_TRUST = 156;
    uint256 internal constant D_VALUE = 160;
    uint256 internal constant D_EPOCH = 224;

    // agent word
    uint256 internal constant A_OPEN = 192;
    uint256 internal constant A_FROZEN_BIT = uint256(1) << 208;
    uint256 internal constant A_NONCE = 216;

    // intent commitment word
    uint256 internal constant I_X402_BIT = uint256(1) << 56;

    // x402 record word
    uint256 internal constant X_VALID_BEFORE = 8;
    uint256 internal constant X_TIER = 48;
    uint256 internal constant X_EPOCH = 56;
    uint256 internal constant X_VALUE = 80;
    uint256 internal constant X_INTENT = 144;

    // budget word
    uint256 internal constant B_EPOCH = 232;

    // settings word
    uint256 internal constant S_OWNER_COUNT = 0;
    uint256 internal constant S_UNMATCHED = 8;
    uint256 internal constant S_BUDGET_TIERS = 16;
    uint256 internal constant S_AUTO_PROMOTE = 24;
    uint256 internal constant S_PROHIBITED_CATEGORIES = 32;
    /// @dev tier t's (t = 1, 2) categories start at S_TIER_CATEGORIES + 64 * (t - 1)
    uint256 internal constant S_TIER_CATEGORIES = 96;
    uint256 internal constant S_MAX_OPEN = 224;
    uint256 internal constant S_MAX_BLOCKED = 240;

    /// @dev Returns `w` with the `mask`-wide field at `offset` replaced by `value` (which must fit the mask).
    function set(uint256 w, uint256 offset, uint256 mask, uint256 value) internal pure returns (uint256) {
        return (w & ~(mask << offset)) | (value << offset);
    }

    function get(uint256 w, uint256 offset, uint256 mask) internal pure returns (uint256) {
        return (w >> offset) & mask;
    }

    function decodeSettings(Hot hot, uint256 w, uint64 defined) internal pure returns (I.Settings memory s) {
        s.paused = hot.paused();
        s.threshold = uint8(hot.threshold());
        s.ownerCount = uint8(w >> S_OWNER_COUNT);
        s.unmatchedTier = I.Tier(uint8(w >> S_UNMATCHED));
        s.prohibitedTrust = uint8(hot.prohibitedTrust());
        s.budgetTiers = uint8(((w >> S_BUDGET_TIERS) & 6) | (hot.autonomousBudget() ? 1 : 0));
        s.autoPromote = (w >> S_AUTO_PROMOTE) & 1 != 0;
        s.policyVersion = hot.policyVersion();
        s.categories = defined;
        s.prohibitedCategories = uint64(w >> S_PROHIBITED_CATEGORIES);
        s.maxOpenIntents = uint16(w >> S_MAX_OPEN);
        s.maxBlockedAttempts = uint16(w >> S_MAX_BLOCKED);
    }

    /// @dev The autonomous tier's rules as they sit in the hot word (window and grace are always 0).
    function encodeHotTier(I.TierRules memory r) internal pure returns (uint256 w) {
        w = (uint256(r.categories) << H_CATEGORIES) | (uint256(r.maxValue) << H_MAX_VALUE);
        w |= (uint256(r.maxCount) << H_MAX_COUNT) | (uint256(r.period) << H_PERIOD);
        w |= uint256(r.minTrust) << H_MIN_TRUST;
    }

    function decodeHotTier(Hot hot) internal pure returns (I.TierRules memory r) {
        r.categories = hot.categories();
        r.maxValue = hot.maxValue();
        r.maxCount = hot.maxCount();
        r.period = hot.period();
        r.minTrust = hot.minTrust();
    }

    function encodeTier(I.TierRules memory r) internal pure returns (uint256 w) {
        w = uint256(r.categories) | (uint256(r.maxValue) << 64) | (uint256(r.maxCount) << 128);
        w |= (uint256(r.period) << 160) | (uint256(r.window) << 192) | (uint256(r.grace) << 224);
        w |= uint256(r.minTrust) << 248;
    }

    function decodeTier(uint256 w) internal pure returns (I.TierRules memory r) {
        r.categories = uint64(w);
        r.maxValue = uint64(w >> 64);
        r.maxCount = uint32(w >> 128);
        r.period = uint32(w >> 160);
        r.window = uint32(w >> 192);
        r.grace = uint24(w >> 224);
        r.minTrust = uint8(w >> 248);
    }

    function encodeToken(I.TokenConfig memory c) internal pure returns (uint256 w) {
        w = uint256(uint8(c.kind)) | (uint256(c.decimals) << 8) | (uint256(c.priceDecimals) << 16);
        w |= (uint256(c.maxStaleness) << 24) | (uint256(c.source) << 56);
    }

    function decodeToken(uint256 w) internal pure returns (I.TokenConfig memory c) {
        c.kind = I.PriceKind(uint8(w));
        c.decimals = uint8(w >> 8);
        c.priceDecimals = uint8(w >> 16);
        c.maxStaleness = uint32(w >> 24);
        c.source = uint160(w >> 56);
    }

    function decodeAgent(uint256 w) internal pure returns (I.AgentState memory a) {
        a.start0 = uint40(w);
        a.count0 = uint24(w >> 40);
        a.start1 = uint40(w >> 64);
        a.count1 = uint24(w >> 104);
        a.start2 = uint40(w >> 128);
        a.count2 = uint24(w >> 168);
        a.nonce = uint40(w >> A_NONCE);
        a.openIntents = uint16(w >> A_OPEN);
        a.frozen = w & A_FROZEN_BIT != 0;
    }

    function decodeBudget(uint256 w) internal pure returns (I.Budget memory b) {
        b.max = uint64(w);
        b.period = uint32(w >> 64);
        b.windowStart = uint40(w >> 96);
        b.spent = uint96(w >> 136);
        b.epoch = uint24(w >> B_EPOCH);
    }
}

/// @dev Named fields of the hot word.
library HotWord {
    function paused(Hot h) internal pure returns (bool) {
        return (Hot.unwrap(h) >> Words.H_PAUSED) & 1 != 0;
    }

    function withPaused(Hot h, bool on) internal pure returns (Hot) {
        return Hot.wrap(Words.set(Hot.unwrap(h), Words.H_PAUSED, 1, on ? 1 : 0));
    }

    /// @dev Bit t set = trust level t is prohibited (t = Unknown, Known, Verified).
    function prohibitedTrust(Hot h) internal pure returns (uint256) {
        return (Hot.unwrap(h) >> Words.H_PROHIBITED_TRUST) & 7;
    }

    function trustProhibited(Hot h, uint256 trust) internal pure returns (bool) {
        return (Hot.unwrap(h) >> (Words.H_PROHIBITED_TRUST + trust)) & 1 != 0;
    }

    function withProhibitedTrust(Hot h, uint256 mask) internal pure returns (Hot) {
        return Hot.wrap(Words.set(Hot.unwrap(h), Words.H_PROHIBITED_TRUST, 7, mask));
    }

    /// @dev Whether the autonomous tier has a budget.
    function autonomousBudget(Hot h) internal pure returns (bool) {
        return (Hot.unwrap(h) >> Words.H_AUTONOMOUS_BUDGET) & 1 != 0;
    }

    function withAutonomousBudget(Hot h, bool on) internal pure returns (Hot) {
        return Hot.wrap(Words.set(Hot.unwrap(h), Words.H_AUTONOMOUS_BUDGET, 1, on ? 1 : 0));
    }

    function threshold(Hot h) internal pure returns (uint256) {
        return uint8(Hot.unwrap(h) >> Words.H_THRESHOLD);
    }

    function withThreshold(Hot h, uint256 value) internal pure returns (Hot) {
        return Hot.wrap(Words.set(Hot.unwrap(h), Words.H_THRESHOLD, Words.M8, value));
    }

    function policyVersion(Hot h) internal pure returns (uint32) {
        return uint32(Hot.unwrap(h) >> Words.H_VERSION);
    }

    function withPolicyVersion(Hot h, uint256 version) internal pure returns (Hot) {
        return Hot.wrap(Words.set(Hot.unwrap(h), Words.H_VERSION, Words.M32, version));
    }

    // The autonomous tier's rules.

    function maxValue(Hot h) internal pure returns (uint64) {
        return uint64(Hot.unwrap(h) >> Words.H_MAX_VALUE);
    }

    function maxCount(Hot h) internal pure returns (uint32) {
        return uint32(Hot.unwrap(h) >> Words.H_MAX_COUNT);
    }

    function period(Hot h) internal pure returns (uint32) {
        return uint32(Hot.unwrap(h) >> Words.H_PERIOD);
    }

    function minTrust(Hot h) internal pure returns (uint8) {
        return uint8(Hot.unwrap(h) >> Words.H_MIN_TRUST);
    }

    function categories(Hot h) internal pure returns (uint64) {
        return uint64(Hot.unwrap(h) >> Words.H_CATEGORIES);
    }

    /// @dev Whether the autonomous tier allows `category` (false for any id >= 64: it shifts out).
    function allowsCategory(Hot h, uint256 category) internal pure returns (bool) {
        return (Hot.unwrap(h) >> (Words.H_CATEGORIES + category)) & 1 != 0;
    }

    /// @dev `h` with the autonomous tier replaced by `tier` (from `Words.encodeHotTier`).
    function withAutonomousTier(Hot h, uint256 tier) internal pure returns (Hot) {
        return Hot.wrap((Hot.unwrap(h) & ~Words.H_TIER_MASK) | tier);
    }
}

/// @dev Named fields of a session key's word.
library KeyWord {
    function pack(bytes32 agent, uint40 expiry) internal pure returns (Key) {
        return Key.wrap(uint256(agent) | expiry);
    }

    /// @dev The agent the key acts for (0 = not a key); agent ids have their low 40 bits clear.
    function agentId(Key k) internal pure returns (bytes32) {
        return bytes32(Key.unwrap(k) & ~Words.M40);
    }

    function validUntil(Key k) internal pure returns (uint40) {
        return uint40(Key.unwrap(k));
    }
}
