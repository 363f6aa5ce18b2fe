// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITierGuardWallet as I} from "../interfaces/ITierGuardWallet.sol";

/// @title Words
/// @notice Bit layouts of the wallet's hot storage words. The payment path reads each of these words with one
/// SLOAD and writes each at most once, which is what keeps an autonomous payment close to a bare transfer.
/// @dev Layouts, least significant bit first:
///
/// settings:  paused 0..7 | threshold 8..15 | ownerCount 16..23 | unmatchedTier 24..31 | prohibitedTrust 32..39
///            | budgetTiers 40..47 | autoPromote 48..55 | policyVersion 56..95 | categories 96..159
///            | prohibitedCategories 160..223
/// tier:      categories 0..63 | maxValue 64..127 | maxCount 128..159 | period 160..191 | window 192..223
///            | grace 224..247 | minTrust 248..255
/// token:     kind 0..7 | decimals 8..15 | priceDecimals 16..23 | maxStaleness 24..55 | source 56..215
/// agent:     for tier t in 0..2: windowStart 72t..72t+39, count 72t+40..72t+71 | nonce 216..255
/// budget:    max 0..63 | period 64..95 | windowStart 96..135 | spent 136..231
/// intent:    status 0..7 | upper 248 bits of keccak256(abi.encode(PendingIntent)) 8..255
/// approvals: owner bitmap 0..15 | owner epoch 16..47
library Words {
    uint256 internal constant M8 = 0xff;
    uint256 internal constant M32 = 0xffffffff;
    uint256 internal constant M40 = 0xffffffffff;
    uint256 internal constant M64 = 0xffffffffffffffff;
    uint256 internal constant M96 = 0xffffffffffffffffffffffff;

    // settings offsets
    uint256 internal constant S_PAUSED = 0;
    uint256 internal constant S_THRESHOLD = 8;
    uint256 internal constant S_OWNER_COUNT = 16;
    uint256 internal constant S_UNMATCHED = 24;
    uint256 internal constant S_PROHIBITED_TRUST = 32;
    uint256 internal constant S_BUDGET_TIERS = 40;
    uint256 internal constant S_AUTO_PROMOTE = 48;
    uint256 internal constant S_VERSION = 56;
    uint256 internal constant S_CATEGORIES = 96;
    uint256 internal constant S_PROHIBITED_CATEGORIES = 160;

    /// @dev Returns `w` with the `mask`-wide field at `offset` replaced by `value` (which must fit the mask).
    function set(uint256 w, uint256 offset, uint256 mask, uint256 value) internal pure returns (uint256) {
        return (w & ~(mask << offset)) | (value << offset);
    }

    function get(uint256 w, uint256 offset, uint256 mask) internal pure returns (uint256) {
        return (w >> offset) & mask;
    }

    function encodeSettings(I.Settings memory s) internal pure returns (uint256 w) {
        w = (s.paused ? 1 : 0) | (uint256(s.threshold) << S_THRESHOLD) | (uint256(s.ownerCount) << S_OWNER_COUNT);
        w |= uint256(uint8(s.unmatchedTier)) << S_UNMATCHED;
        w |= uint256(s.prohibitedTrust) << S_PROHIBITED_TRUST;
        w |= uint256(s.budgetTiers) << S_BUDGET_TIERS;
        w |= (s.autoPromote ? uint256(1) : 0) << S_AUTO_PROMOTE;
        w |= uint256(s.policyVersion) << S_VERSION;
        w |= uint256(s.categories) << S_CATEGORIES;
        w |= uint256(s.prohibitedCategories) << S_PROHIBITED_CATEGORIES;
    }

    function decodeSettings(uint256 w) internal pure returns (I.Settings memory s) {
        s.paused = w & M8 != 0;
        s.threshold = uint8(w >> S_THRESHOLD);
        s.ownerCount = uint8(w >> S_OWNER_COUNT);
        s.unmatchedTier = I.Tier(uint8(w >> S_UNMATCHED));
        s.prohibitedTrust = uint8(w >> S_PROHIBITED_TRUST);
        s.budgetTiers = uint8(w >> S_BUDGET_TIERS);
        s.autoPromote = (w >> S_AUTO_PROMOTE) & M8 != 0;
        s.policyVersion = uint40(w >> S_VERSION);
        s.categories = uint64(w >> S_CATEGORIES);
        s.prohibitedCategories = uint64(w >> S_PROHIBITED_CATEGORIES);
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
        a.count0 = uint32(w >> 40);
        a.start1 = uint40(w >> 72);
        a.count1 = uint32(w >> 112);
        a.start2 = uint40(w >> 144);
        a.count2 = uint32(w >> 184);
        a.nonce = uint40(w >> 216);
    }

    function encodeBudget(I.Budget memory b) internal pure returns (uint256 w) {
        w = uint256(b.max) | (uint256(b.period) << 64) | (uint256(b.windowStart) << 96) | (uint256(b.spent) << 136);
    }

    function decodeBudget(uint256 w) internal pure returns (I.Budget memory b) {
        b.max = uint64(w);
        b.period = uint32(w >> 64);
        b.windowStart = uint40(w >> 96);
        b.spent = uint96(w >> 136);
    }
}
