// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title TierGuard wallet types, events and errors
/// @notice Every type, event and error of the TierGuard wallet, with their NatSpec. The wallet holds ETH
/// and ERC-20 tokens for an organisation and lets its AI agents pay only along the approval path that each
/// payment's autonomy tier demands: autonomous (paid at once), supervised (timelocked, vetoable),
/// collaborative (M-of-N owner approval) or prohibited (blocked, attempt recorded).
/// @dev Amounts "in reference units" are in the policy's reference currency (e.g. USD) with 6 decimals:
/// 1.00 USD = 1_000_000. Timestamps are unix seconds. Window ends are exclusive unless stated otherwise.
interface ITierGuardBase {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Autonomy tiers, in the order they are tried (autonomous first).
    enum Tier {
        Autonomous,
        Supervised,
        Collaborative,
        Prohibited
    }

    /// @notice Recipient trust levels. `Blocked` recipients are always prohibited.
    enum Trust {
        Unknown,
        Known,
        Verified,
        Blocked
    }

    /// @notice Lifecycle of an intent.
    enum Status {
        None,
        /// supervised: waiting for its veto window to end
        Queued,
        /// collaborative: waiting for M owner approvals
        AwaitingApproval,
        Executed,
        Vetoed,
        Rejected,
        /// collaborative: its approval timeout passed
        Expired,
        /// supervised: its grace period after the veto window passed
        Stale,
        /// refused at execution for a reason that cannot change (recipient blocked, token no longer accepted)
        Refused,
        /// prohibited: nothing paid, attempt recorded
        Blocked
    }

    /// @notice Why an intent got its tier. For each tier that was tried and failed, the same codes say why.
    enum Reason {
        /// all conditions of the tier hold
        Matched,
        CategoryNotAllowed,
        AmountAboveMax,
        TrustTooLow,
        FrequencyExceeded,
        BudgetExceeded,
        CategoryProhibited,
        RecipientBlocked,
        TrustProhibited,
        /// no tier's conditions hold: the intent went where the policy sends unmatched intents
        NoTierMatched,
        /// the agent already has the policy's maximum of open (queued) intents: blocked, nothing queued
        TooManyOpenIntents
    }

    /// @notice Why a queued intent was not paid when someone tried to execute it.
    enum Refusal {
        /// the wallet is paused (retryable: the intent stays queued)
        Paused,
        /// the wallet cannot pay it now, e.g. not enough balance (retryable)
        TransferFailed,
        /// the recipient was blocked after queueing (final)
        RecipientBlocked,
        /// the token is no longer accepted (final)
        TokenNotAccepted,
        /// the intent's category was prohibited after queueing (final)
        CategoryProhibited,
        /// the recipient's trust level was prohibited after queueing (final)
        TrustProhibited,
        /// the agent was frozen (final)
        AgentFrozen
    }

    /// @notice How a token is valued in the reference currency.
    enum PriceKind {
        None,
        /// `source` is a fixed price: reference units (6 decimals) per whole token, scaled by 1e12 (18 decimals)
        Fixed,
        /// `source` is the address of an AggregatorV3-style feed quoting the token in the reference currency
        Feed
    }

    /// @notice A tier's conditions and timing. Stored as one 256-bit word.
    struct TierRules {
        /// bitmask of allowed category ids (bit i = category i); 0 disables the tier
        uint64 categories;
        /// maximum value of one intent, in reference units, inclusive
        uint64 maxValue;
        /// maximum intents per agent per `period` in this tier, inclusive, at most 16,777,215; ignored when
        /// `period` is 0
        uint32 maxCount;
        /// frequency window length in seconds; 0 = no frequency limit. Windows are fixed: one starts at the
        /// first intent counted after the previous one ended and lasts `period` seconds (end exclusive)
        uint32 period;
        /// supervised: veto window in seconds, at least 1 when the tier allows a category (0 would let the agent
        /// execute in the next block); collaborative: approval timeout in seconds; autonomous: 0
        uint32 window;
        /// supervised only: seconds after the veto window during which it can still execute (then stale)
        uint24 grace;
        /// minimum recipient trust (a `Trust` value below `Blocked`), inclusive
        uint8 minTrust;
    }

    /// @notice A wallet-wide spending budget for one tier. Config and running state share one word.
    struct Budget {
        /// maximum value paid or queued in this tier per window, in reference units, inclusive
        uint64 max;
        /// window length in seconds (fixed windows, as for frequency)
        uint32 period;
        /// start of the current window, unix seconds (inclusive)
        uint40 windowStart;
        /// value counted in the current window, in reference units
        uint96 spent;
        /// generation of the running window: bumped whenever the window is discarded (a new window opens or the
        /// budget is removed), and never 0 once a window opened. A closed intent gives its budget back only into
        /// the generation it was counted in
        uint24 epoch;
    }

    /// @notice How one accepted token is valued. Stored as one word.
    struct TokenConfig {
        PriceKind kind;
        /// the token's decimals (18 for native ETH, address(0))
        uint8 decimals;
        /// decimals of the price: 18 for a fixed price, the feed's own decimals for a feed
        uint8 priceDecimals;
        /// feed only: maximum age of the feed's answer in seconds, inclusive
        uint32 maxStaleness;
        /// fixed price (18 decimals) or the feed's address
        uint160 source;
    }

    /// @notice A session key's grant.
    struct SessionKey {
        /// the agent identity the key acts for (frequency limits and open intents count per identity; budgets are
        /// wallet-wide per tier). Its last 5 bytes
        /// must be zero (27 significant bytes: a name of up to 27 characters, or a truncated hash), so that the
        /// grant fits one storage word with its expiry
        bytes32 agentId;
        /// expiry, unix seconds, exclusive (the key works while block.timestamp < validUntil)
        uint40 validUntil;
    }

    /// @notice Per-agent counters: frequency windows for the three tiers, open intents, the frozen flag and the
    /// intent nonce. One word.
    struct AgentState {
        uint40 start0;
        uint32 count0;
        uint40 start1;
        uint32 count1;
        uint40 start2;
        uint32 count2;
        /// number of intents the agent has submitted; intent ids derive from it
        uint40 nonce;
        /// the agent's queued (supervised or collaborative) intents that are not decided yet
        uint16 openIntents;
        /// frozen by an owner: all its keys were revoked, its queued intents are refused, no key can be granted
        bool frozen;
    }

    /// @notice Wallet-wide settings read on every payment. One word.
    struct Settings {
        bool paused;
        /// owner approvals required (M of N)
        uint8 threshold;
        uint8 ownerCount;
        /// where intents that match no tier go: Collaborative or Prohibited
        Tier unmatchedTier;
        /// bitmask over `Trust` values (bit 0 Unknown, 1 Known, 2 Verified) whose recipients are prohibited
        uint8 prohibitedTrust;
        /// bitmask of tiers (bit i = Tier i) that have a budget
        uint8 budgetTiers;
        /// promote an Unknown recipient to Known after a collaborative (owner-approved) payment to it executes
        bool autoPromote;
        /// bumped once by every owner action that changes the policy
        uint32 policyVersion;
        /// bitmask of defined category ids
        uint64 categories;
        /// bitmask of prohibited category ids
        uint64 prohibitedCategories;
        /// most open (queued) intents one agent may have; a submission beyond it is blocked (TooManyOpenIntents)
        uint16 maxOpenIntents;
        /// most blocked (prohibited) attempts one agent may make per 24 hours; `spend` reverts beyond it, so that
        /// an agent cannot flood the audit trail and the owners' alerts. 0 = no cap
        uint16 maxBlockedAttempts;
    }

    /// @notice The fields of a queued intent that its commitment binds. Callers of veto, approve, reject,
    /// execute and expire pass it back exactly as `IntentSubmitted` reported it.
    struct PendingIntent {
        bytes32 agentId;
        address token;
        uint256 amount;
        address recipient;
        /// value in reference units at submission
        uint64 value;
        uint8 category;
        Tier tier;
        /// unix seconds
        uint40 submittedAt;
        /// supervised: end of the veto window (exclusive), executable from then on; collaborative: = submittedAt
        uint40 notBefore;
        /// supervised: end of the grace period; collaborative: end of the approval timeout (both exclusive)
        uint40 deadline;
        /// the policy version in force at submission: execution re-checks prohibitions when it changed since
        uint32 policyVersion;
        /// the tier budget's `epoch` that `value` was counted in, never 0 for a counted intent; 0 when not counted
        /// (the tier has no budget). A closed intent gives `value` back only if the budget is still in that epoch
        uint24 budgetEpoch;
        /// the recipient's trust at submission
        Trust trust;
    }

    /// @notice A queued intent with its id, as `freezeAgent` takes them.
    struct QueuedIntent {
        bytes32 intentId;
        PendingIntent intent;
    }

    /// @notice One owner's signature. Arrays of them are sorted by strictly increasing `signer`.
    struct OwnerSignature {
        address signer;
        /// 65-byte ECDSA signature for an EOA, or whatever the owner's ERC-1271 `isValidSignature` accepts
        bytes signature;
    }

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice An agent submitted an intent and it was classified. Autonomous intents are paid in the same call
    /// (their status is Executed); prohibited ones are recorded and nothing is paid (status Blocked); supervised
    /// ones are Queued and collaborative ones AwaitingApproval.
    /// @param details the classification, packed least significant bit first: category 0..7 | reason 8..15 |
    /// misses 16..31 | policyVersion 32..63 | notBefore 64..103 | deadline 104..143 | tier 144..151 |
    /// budgeted 152 (1 if `value` was counted against the tier's budget) | recipient trust 156..159 (queued
    /// intents only) | value 160..223 (reference units; 0 for a prohibited intent whose token cannot be priced) |
    /// budgetEpoch 224..247 (budgeted intents only). `misses` holds, for each tier tried before the result,
    /// the `Reason` it failed with (4 bits per tier, tier i at bits 4i..4i+3). With the block's timestamp
    /// (`submittedAt`) these give every field of a queued intent's `PendingIntent`. One word instead of nine keeps
    /// the event, paid on every payment, cheap; the SDK and the indexer decode it.
    event IntentSubmitted(
        bytes32 indexed intentId,
        bytes32 indexed agentId,
        address indexed recipient,
        address key,
        address token,
        uint256 amount,
        uint256 details,
        string justification
    );
    /// @notice A supervised intent was vetoed by an owner or guardian; `budgetReleased` went back to its tier's budget.
    event IntentVetoed(bytes32 indexed intentId, address indexed by, uint64 budgetReleased);
    /// @notice An owner approved a collaborative intent, on-chain or by an EIP-712 signature submitted by anyone.
    event IntentApproved(bytes32 indexed intentId, address indexed owner);
    /// @notice An owner rejected a collaborative intent.
    event IntentRejected(bytes32 indexed intentId, address indexed by, uint64 budgetReleased);
    /// @notice A queued intent was paid.
    event IntentExecuted(bytes32 indexed intentId, address indexed by);
    /// @notice A queued intent passed its deadline and was finalised as Expired (collaborative) or Stale (supervised).
    event IntentExpired(bytes32 indexed intentId, Status status, uint64 budgetReleased);
    /// @notice An execution attempt was refused, or a queued intent was voided by `freezeAgent` (refusal
    /// AgentFrozen). `closed` refusals close the intent (status Refused).
    event IntentRefused(bytes32 indexed intentId, Refusal refusal, bool closed, uint64 budgetReleased);
    /// @notice An owner froze an agent: `keysRevoked` session keys were revoked (each also in SessionKeyRevoked)
    /// and `intentsVoided` queued intents were closed (each also in IntentRefused with refusal AgentFrozen).
    event AgentFrozen(bytes32 indexed agentId, address indexed by, uint256 keysRevoked, uint256 intentsVoided);
    /// @notice The owners unfroze an agent: session keys can be granted to it again.
    event AgentUnfrozen(bytes32 indexed agentId);

    /// @notice An owner action (M-of-N signed batch of configuration calls) ran.
    event OwnerActionExecuted(uint256 indexed nonce, bytes32 actionHash, address[] signers);
    event OwnerAdded(address indexed owner, uint8 index);
    event OwnerRemoved(address indexed owner, uint8 index);
    event ThresholdChanged(uint8 threshold);
    event GuardianSet(address indexed guardian, bool enabled);
    event Paused(address indexed by);
    event Unpaused();
    /// @notice The policy version changed; every configuration event of the same owner action follows it.
    event PolicyVersionChanged(uint32 policyVersion);
    event CategoryDefined(uint8 indexed category, bytes32 name, uint32 policyVersion);
    event CategoryRemoved(uint8 indexed category, uint32 policyVersion);
    event TierRulesSet(Tier indexed tier, TierRules rules, uint32 policyVersion);
    event BudgetSet(Tier indexed tier, uint64 max, uint32 period, uint32 policyVersion);
    event ProhibitionsSet(uint64 categories, uint8 trustMask, uint32 policyVersion);
    event UnmatchedTierSet(Tier tier, uint32 policyVersion);
    event AutoPromoteSet(bool enabled, uint32 policyVersion);
    event MaxOpenIntentsSet(uint16 maxOpenIntents, uint32 policyVersion);
    event MaxBlockedAttemptsSet(uint16 maxBlockedAttempts, uint32 policyVersion);
    event TokenConfigured(address indexed token, TokenConfig config, uint32 policyVersion);
    event TokenRemoved(address indexed token, uint32 policyVersion);
    /// @notice A recipient's trust changed; `automatic` is true for promotion after an approved payment.
    event RecipientTrustSet(address indexed recipient, Trust trust, bool automatic, uint32 policyVersion);
    event SessionKeyGranted(bytes32 indexed agentId, address indexed key, uint40 validUntil);
    event SessionKeyRevoked(bytes32 indexed agentId, address indexed key, address by);
    event Deposited(address indexed from, uint256 amount);
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    // --- callers and signatures
    error TierGuardNotOwner(address account);
    error TierGuardNotOwnerOrGuardian(address account);
    error TierGuardOnlySelf(address caller);
    error TierGuardNotSessionKey(address key);
    error TierGuardSessionKeyExpired(address key, uint40 validUntil, uint256 nowTs);
    error TierGuardSignatureExpired(uint256 deadline, uint256 nowTs);
    error TierGuardInvalidSignature(address signer);
    error TierGuardSignersNotSorted(address previous, address signer);
    error TierGuardSignerNotOwner(address signer);
    error TierGuardNotEnoughApprovals(uint256 approvals, uint256 threshold);
    error TierGuardEmptyAction();
    error TierGuardActionCallFailed(uint256 index, bytes reason);

    // --- owners and configuration
    error TierGuardInvalidThreshold(uint256 threshold, uint256 ownerCount);
    error TierGuardInvalidOwner(address owner);
    error TierGuardOwnerExists(address owner);
    error TierGuardTooManyOwners(uint256 max);
    error TierGuardInvalidKey(address key);
    error TierGuardKeyBelongsToOtherAgent(address key, bytes32 agentId);
    error TierGuardInvalidAgent();
    error TierGuardInvalidCategory(uint8 category);
    error TierGuardCategoryInUse(uint8 category);
    /// @dev a category cannot be both allowed by a tier and prohibited
    error TierGuardCategoryConflict(uint64 categories);
    error TierGuardInvalidTier(uint8 tier);
    error TierGuardInvalidTierRules(Tier tier, string field);
    error TierGuardInvalidToken(address token, string field);
    error TierGuardInvalidTrust(uint8 trust);
    error TierGuardInvalidUnmatchedTier(uint8 tier);
    error TierGuardAgentFrozen(bytes32 agentId);
    error TierGuardAgentNotFrozen(bytes32 agentId);
    error TierGuardAgentHasOpenIntents(bytes32 agentId, uint256 openIntents);

    // --- intents
    error TierGuardPaused();
    error TierGuardNotPaused();
    error TierGuardZeroAmount();
    error TierGuardInvalidRecipient(address recipient);
    error TierGuardUnknownCategory(uint8 category);
    error TierGuardTokenNotAccepted(address token);
    error TierGuardStalePrice(address token, uint256 updatedAt, uint32 maxStaleness);
    error TierGuardInvalidPrice(address token, int256 answer);
    error TierGuardValueTooLarge(uint256 value);
    error TierGuardJustificationTooLong(uint256 length, uint256 max);
    error TierGuardTooManyBlockedAttempts(bytes32 agentId, uint256 maxBlockedAttempts);
    error TierGuardInsufficientBalance(address token, uint256 balance, uint256 amount);
    error TierGuardNativeTransferFailed(address recipient, uint256 amount);
    error TierGuardUnknownIntent(bytes32 intentId);
    error TierGuardWrongStatus(bytes32 intentId, Status status);
    error TierGuardVetoWindowOver(bytes32 intentId, uint40 notBefore);
    error TierGuardVetoWindowOpen(bytes32 intentId, uint40 notBefore);
    error TierGuardDeadlinePassed(bytes32 intentId, uint40 deadline);
    error TierGuardDeadlineNotReached(bytes32 intentId, uint40 deadline);
    error TierGuardAlreadyApproved(bytes32 intentId, address owner);

}
