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

    /// @notice A payment intent signed by an agent's session key (EIP-712, the wallet's domain: name
    /// "TierGuardWallet", version "1", the chain id, the wallet's address), which anyone may submit with
    /// `spendSigned`. The idempotency key is its replay guard: an intent is submitted at most once per key.
    struct SignedSpend {
        /// @dev the token to pay, address(0) for native ETH
        address token;
        /// @dev in the token's smallest unit, non-zero
        uint256 amount;
        address recipient;
        /// @dev a defined category id
        uint8 category;
        /// @dev why the agent pays, at most 512 bytes; signed as its keccak256 hash (EIP-712 `string`)
        string justification;
        /// @dev the agent's idempotency key for this payment, non-zero; shared with `spendIdempotent`
        bytes32 idempotencyKey;
        /// @dev last second the intent may be submitted (inclusive, unix seconds)
        uint256 deadline;
    }

    /// @notice An EIP-3009 `TransferWithAuthorization` from the wallet, as x402's `exact` EVM scheme has it signed:
    /// the facilitator settles it with the token's `transferWithAuthorization`. `from` is always the wallet.
    struct X402Authorization {
        /// the EIP-3009 token (x402 `asset`), an accepted token
        address token;
        /// the payee (x402 `payTo`)
        address to;
        /// in the token's smallest unit (x402 `amount`)
        uint256 value;
        /// unix seconds; the token accepts the authorization only after it (exclusive)
        uint256 validAfter;
        /// unix seconds; the token accepts the authorization only before it (exclusive); below 2^40
        uint256 validBefore;
        /// the authorization's random nonce (unique per wallet and token)
        bytes32 nonce;
    }

    /// @notice Where a recorded x402 authorization stands.
    enum X402Status {
        None,
        /// queued with its intent (supervised, collaborative): not valid until the intent executes
        Pending,
        /// valid for the token to settle (until `validBefore`), from submission (autonomous) or execution (queued)
        Authorized
    }

    /// @notice A recorded x402 authorization, by digest (packed in one word: see `Words`).
    struct X402Record {
        X402Status status;
        /// the authorization's validBefore (exclusive, unix seconds)
        uint40 validBefore;
        /// the tier it was counted in
        Tier tier;
        /// the tier budget's epoch `value` was counted in (0: not counted)
        uint24 budgetEpoch;
        /// the value counted, reference units
        uint64 value;
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
    /// @notice An intent was submitted with an idempotency key (`spendIdempotent` or `spendSigned`); emitted right
    /// after its `IntentSubmitted`. Retries with the same key return this intent and emit nothing.
    /// @param submittedBy the transaction's caller: the session key itself, or whoever relayed a signed intent
    event IdempotencyKeyRecorded(
        bytes32 indexed intentId,
        bytes32 indexed agentId,
        bytes32 indexed idempotencyKey,
        address submittedBy
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
    /// @notice An agent's x402 payment (`authorizeX402`, after its `IntentSubmitted`) was recorded: the EIP-3009
    /// authorization of `amount` of `token` from the wallet to `recipient` (as in `IntentSubmitted`) with this
    /// validity and nonce, whose EIP-712 digest is `digest`. Autonomous: the wallet's `isValidSignature` accepts it
    /// from now on. Queued: from its `IntentExecuted` on (an x402 intent's execution authorizes, it transfers
    /// nothing). The token moves when the facilitator settles (the token's `Transfer` and `AuthorizationUsed`).
    event X402AuthorizationRecorded(
        bytes32 indexed intentId,
        bytes32 indexed digest,
        bytes32 nonce,
        uint256 validAfter,
        uint256 validBefore
    );
    /// @notice An x402 authorization expired unsettled and `budgetReleased` went back to its tier's budget; the
    /// wallet no longer accepts it.
    event X402AuthorizationReleased(bytes32 indexed intentId, bytes32 indexed digest, uint64 budgetReleased);

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

    /// @custom:group Callers and signatures
    /// @notice The caller (or the address to remove) is not an owner.
    /// @dev a function that only an owner may call was called by another address. These are `approve` and
    ///   `reject`, and `revokeSessionKey` (unless the wallet itself calls it inside an owner action). `removeOwner`
    ///   also raises it, inside an owner action, when the address to remove is not an owner.
    /// @param account is the caller. For `removeOwner`, it is the address you asked to remove
    /// @custom:fix send the transaction from an owner account. Check with `isOwner(account)` or `owners()`. Guardians
    ///   cannot approve or reject. For `removeOwner`, check the address. It may already have been removed.
    /// @custom:sdk-message {account} is not an owner of the wallet (only owners may approve, reject or revoke keys;
    /// for removeOwner: the address to remove is not an owner)
    /// @custom:sdk-fix Send the transaction from an owner account (check isOwner/owners()). Guardians cannot
    /// approve or reject. For removeOwner, check the address: it may already be removed.
    error TierGuardNotOwner(address account);

    /// @notice Only an owner or a guardian may veto or pause.
    /// @dev `veto` or `pause` was called by an address that is neither an owner nor an enabled guardian.
    /// @param account is the caller
    /// @custom:fix call from an owner or guardian account. Check with `isOwner` / `isGuardian`. Owners can enable a
    ///   guardian with an owner action that calls `setGuardian(guardian, true)`. A guardian can veto and pause. It
    ///   cannot unpause, approve or configure.
    /// @custom:sdk-message {account} is neither an owner nor a guardian, so it cannot veto or pause
    /// @custom:sdk-fix Call from an owner or guardian account (check isOwner/isGuardian). Owners can enable a
    /// guardian with an owner action calling setGuardian(guardian, true).
    error TierGuardNotOwnerOrGuardian(address account);

    /// @notice A configuration function was called directly instead of through `ownerAction`.
    /// @dev a self-only configuration function was called directly. These are `addOwner`, `removeOwner`,
    ///   `setThreshold`, `setGuardian`, `unpause`, `grantSessionKey`, `defineCategory`, `undefineCategory`,
    ///   `setTierRules`, `setBudget`, `setProhibitions`, `setUnmatchedTier`, `setAutoPromote`, `configureToken`,
    ///   `removeToken`, `setRecipientTrust` and `withdraw`. Only the wallet itself may call them.
    /// @param caller is the address that made the call
    /// @custom:fix ABI-encode the call and put it in the `calls` of an `ownerAction`, signed by at least M owners.
    ///   Even a single owner cannot call these functions directly.
    /// @custom:sdk-message a configuration function was called directly by {caller}; only the wallet itself may
    /// call it
    /// @custom:sdk-fix ABI-encode the call and put it in the calls of an ownerAction signed by at least M owners
    /// (owner client: applyCalls / ownerAction).
    error TierGuardOnlySelf(address caller);

    /// @notice The address has no session key grant.
    /// @dev `spend` was called by an address that has no session key grant: it was never granted, or it was
    ///   revoked. `revokeSessionKey` also raises it when the key to revoke has no grant.
    /// @param key is the address that has no grant. For `spend`, that is the caller
    /// @custom:fix the agent must send `spend` from the key the owners granted to it. Check the grant with
    ///   `sessionKey(key)`: an `agentId` of zero means there is none. If the agent has no valid key, ask the owners to
    ///   grant one with an owner action that calls `grantSessionKey(key, agentId, validUntil)`. For
    ///   `revokeSessionKey`, there is nothing to revoke. `sessionKeys()` lists the granted keys.
    /// @custom:sdk-message {key} has no session key grant (never granted, or revoked)
    /// @custom:sdk-fix Send spend from the key the owners granted to this agent (check sessionKey(key)). If the
    /// agent has no valid key, ask the owners to grant one with an owner action calling grantSessionKey(key,
    /// agentId, validUntil).
    error TierGuardNotSessionKey(address key);

    /// @notice The session key's grant has expired (or a grant was given an expiry in the past).
    /// @dev `spend` was called with a key whose grant has expired. A key works only while
    ///   `block.timestamp < validUntil`. `grantSessionKey` also raises it when the `validUntil` you pass is not in the
    ///   future.
    /// @param key is the session key
    /// @param validUntil is its expiry (exclusive)
    /// @param nowTs is the block timestamp of the failed call
    /// @custom:fix ask the owners to grant a new key, or extend this one. Either way, they use an owner action that
    ///   calls `grantSessionKey`, with a `validUntil` in the future. Granting the same key again for the same agent
    ///   extends it. No event is emitted when a key expires, so track `validUntil` (from `SessionKeyGranted` or
    ///   `sessionKey(key)`) and renew in time.
    /// @custom:sdk-message session key {key} expired at {validUntil:time} (block time {nowTs:time})
    /// @custom:sdk-fix Ask the owners for a new key, or to extend this one: an owner action calling
    /// grantSessionKey(key, agentId, validUntil) with a validUntil in the future. Track validUntil and renew in
    /// time.
    error TierGuardSessionKeyExpired(address key, uint40 validUntil, uint256 nowTs);

    /// @notice The owner action's signed deadline has passed.
    /// @dev `ownerAction` was executed after the `deadline` the owners signed. The action is valid up to and
    ///   including the deadline second. It fails once `block.timestamp > deadline`.
    /// @param deadline is the signed deadline
    /// @param nowTs is the block timestamp of the failed call
    /// @custom:fix choose a later deadline and have the owners sign again. The deadline is part of the signed digest,
    ///   so the old signatures do not work with a new deadline. Compute the new digest with
    ///   `ownerActionDigest(calls, ownerNonce(), newDeadline)`. Leave enough time to collect the signatures and get
    ///   the transaction mined.
    /// @custom:sdk-message the owner action's signed deadline {deadline:time} has passed (block time {nowTs:time})
    /// @custom:sdk-fix Choose a later deadline and have the owners sign again (the deadline is part of the signed
    /// digest). Leave time to collect the signatures and mine the transaction.
    error TierGuardSignatureExpired(uint256 deadline, uint256 nowTs);

    /// @notice A signature does not verify for its stated signer.
    /// @dev in `ownerAction` or `approveBySignatures`, a signature does not verify for its `signer` over the
    ///   digest the wallet computed. For an EOA owner, the ECDSA signature recovers to a different address or is
    ///   malformed. For a contract owner (ERC-1271), its `isValidSignature` did not accept it.
    /// @param signer is the signer named in the rejected `OwnerSignature` entry
    /// @custom:fix the signature was almost always made over a different digest. Common causes:
    ///   - the calls, their order, the deadline or the nonce differ from what was signed. Another owner action may
    ///     have run in the meantime: each action uses up a nonce, so signatures over the old nonce no longer work;
    ///   - the signature was made for another wallet address or chain. Signatures are bound to both;
    ///   - for an approval: the intent's `token`, `amount`, `recipient` or `deadline` differ from the signed ones;
    ///   - the data was signed as a plain message (`personal_sign`) instead of as EIP-712 typed data;
    ///   - the `signer` field names a different owner from the one who signed.
    ///
    ///   Recompute the digest with `ownerActionDigest(calls, ownerNonce(), deadline)` or
    ///   `approvalDigest(intentId, intent)`, and have the owner sign the EIP-712 typed data again.
    /// @custom:sdk-message the signature attributed to {signer} does not verify over the digest the wallet computed
    /// @custom:sdk-fix Have the owner sign the EIP-712 typed data again over the exact calls, current ownerNonce()
    /// and deadline (or the intent's token, amount, recipient and deadline for an approval), for this wallet and
    /// chain; not as a personal_sign message, and with the right signer field.
    error TierGuardInvalidSignature(address signer);

    /// @notice Signatures are not sorted by signer address, or a signer appears twice.
    /// @dev in `ownerAction` or `approveBySignatures`, the `OwnerSignature[]` array is not in strictly
    ///   increasing order of `signer`. Two entries from the same signer also raise this error.
    /// @param previous is the signer of the entry before, or the zero address for the first entry
    /// @param signer is the entry that broke the order
    /// @custom:fix sort the signatures by signer address in ascending order, comparing addresses as numbers. Remove
    ///   duplicates, so each owner signs at most once.
    /// @custom:sdk-message signatures are not in strictly increasing signer order ({signer} after {previous}), or a
    /// signer appears twice
    /// @custom:sdk-fix Sort the signatures by signer address ascending (as numbers) and remove duplicates; the
    /// SDK's sortSignatures does this.
    error TierGuardSignersNotSorted(address previous, address signer);

    /// @notice A signature comes from an address that is not an owner.
    /// @dev in `ownerAction` or `approveBySignatures`, an entry's `signer` is not currently an owner. Either
    ///   it never was, or it was removed after it signed.
    /// @param signer is the address that is not an owner
    /// @custom:fix remove that signature and collect one from a current owner instead (see `owners()`).
    /// @custom:sdk-message {signer} signed but is not an owner of the wallet
    /// @custom:sdk-fix Remove that signature and collect one from a current owner instead (see owners()).
    error TierGuardSignerNotOwner(address signer);

    /// @notice Fewer distinct owner approvals than the threshold M.
    /// @dev
    ///   - `ownerAction`: fewer signatures than the threshold M were supplied.
    ///   - `approveBySignatures`: the valid signatures plus the owners' still-valid on-chain approvals come from
    ///     fewer than M distinct owners. An owner who both approved on-chain and signed counts once.
    ///   - `execute` on a collaborative intent: fewer than M owners' approvals are recorded for it. Recorded
    ///     approvals are those made with `approve` and those that an earlier `approveBySignatures` call stored
    ///     before its payment was refused for a retryable reason.
    /// @param approvals is the number of approvals counted
    /// @param threshold is M
    /// @custom:fix collect signatures or approvals from more distinct owners, so that at least M of them back the
    ///   call. Read M from `settings().threshold` and the on-chain approvals from `approvals(intentId)`. Removing an
    ///   owner voids every on-chain approval made before the removal, so approvals you counted earlier may no longer
    ///   count. Approve again or add signatures.
    /// @custom:sdk-message only {approvals} distinct owner approval(s) counted; the threshold is {threshold}
    /// @custom:sdk-fix Collect signatures or on-chain approvals from more distinct owners, at least M
    /// (settings().threshold). Approvals made before an owner removal no longer count.
    error TierGuardNotEnoughApprovals(uint256 approvals, uint256 threshold);

    /// @notice An owner action with no calls.
    /// @dev `ownerAction` was called with an empty `calls` array.
    /// @custom:fix include at least one ABI-encoded call to a wallet configuration function.
    /// @custom:sdk-message the owner action has no calls
    /// @custom:sdk-fix Include at least one ABI-encoded call to a wallet configuration function.
    error TierGuardEmptyAction();

    /// @notice One call in an owner action failed, so the whole action was undone.
    /// @dev one of the calls inside an `ownerAction` reverted. Owner actions are all-or-nothing, so none of the
    ///   calls took effect and the owner nonce was not used.
    /// @param index is the position of the failing call in `calls`, counting from 0
    /// @param reason is that call's raw revert data. It is usually another TierGuard error, for example
    /// `TierGuardInvalidThreshold`. Empty revert data usually means the call data does not match any wallet
    /// function
    /// @custom:fix decode `reason` and fix the call, using the section on that error on this page. Any change to
    ///   `calls` changes the signed digest, so the owners must sign the corrected batch.
    /// @custom:sdk-message call #{index} of the owner action reverted, so the whole action was undone
    /// @custom:sdk-fix Fix that call using the inner error (see `inner`), then have the owners sign the corrected
    /// batch (any change to the calls changes the digest).
    error TierGuardActionCallFailed(uint256 index, bytes reason);

    /// @custom:group Owners and configuration
    /// These errors come from the self-only configuration functions. Apart from the wallet's deployment, those
    /// functions only run inside `ownerAction`, so you usually get these errors inside the `reason` of
    /// `TierGuardActionCallFailed`. Calls in a batch run in order, so you can often fix a failing batch by putting
    /// its calls in a different order (examples below).
    /// @notice M would be 0 or more than the number of owners.
    /// @dev
    ///   - `setThreshold` or deployment: M is 0 or greater than the number of owners.
    ///   - `removeOwner`: the current M would exceed the number of owners left after the removal.
    /// @param threshold is the M that was checked
    /// @param ownerCount is the owner count it was checked against: for `removeOwner`, the count after the removal
    /// @custom:fix keep `1 <= M <= number of owners`. Order the calls in the batch so this holds after each call.
    ///   - To remove an owner when M equals the owner count, call `setThreshold(M - 1)` before `removeOwner`.
    ///   - To raise M above the current owner count, call `addOwner` before `setThreshold`.
    /// @custom:sdk-message threshold {threshold} is invalid for {ownerCount} owner(s)
    /// @custom:sdk-fix Keep 1 <= M <= number of owners after each call: call setThreshold(M - 1) before
    /// removeOwner, or addOwner before raising M.
    error TierGuardInvalidThreshold(uint256 threshold, uint256 ownerCount);

    /// @notice The address cannot be an owner (or a guardian).
    /// @dev
    ///   - `addOwner` or deployment: the address is the zero address or the wallet itself.
    ///   - `setGuardian`: the guardian is the zero address. It is reported in the `owner` parameter.
    /// @param owner is the rejected address
    /// @custom:fix use the real address of an EOA or of a contract wallet that implements ERC-1271.
    /// @custom:sdk-message {owner} cannot be an owner or guardian (zero address or the wallet itself)
    /// @custom:sdk-fix Use the real address of an EOA or an ERC-1271 contract wallet.
    error TierGuardInvalidOwner(address owner);

    /// @notice The address is already an owner.
    /// @dev `addOwner` (or a deployment owner list) names an address that is already an owner.
    /// @param owner is the address that is already an owner
    /// @custom:fix drop the call, or remove the duplicate from the deployment list.
    /// @custom:sdk-message {owner} is already an owner
    /// @custom:sdk-fix Drop the addOwner call (or the duplicate in the deployment list).
    error TierGuardOwnerExists(address owner);

    /// @notice The wallet already has the maximum of 16 owners.
    /// @dev `addOwner` when the wallet already has 16 owners, or a deployment with more than 16 owners.
    /// @param max is the limit, 16
    /// @custom:fix remove an owner first. In the same action, put `removeOwner` before `addOwner` (the threshold must
    ///   still be reachable; see [`TierGuardInvalidThreshold`](#tierguardinvalidthreshold)).
    /// @custom:sdk-message the wallet already has the maximum of {max} owners
    /// @custom:sdk-fix Remove an owner first (removeOwner before addOwner in the same action, keeping the threshold
    /// reachable).
    error TierGuardTooManyOwners(uint256 max);

    /// @notice The address cannot be a session key.
    /// @dev `grantSessionKey` was given the zero address or the wallet's own address as the key.
    /// @param key is the rejected address
    /// @custom:fix grant a real address whose private key the agent holds. Use a fresh key for each agent.
    /// @custom:sdk-message {key} cannot be a session key (zero address or the wallet itself)
    /// @custom:sdk-fix Grant a real address whose private key the agent holds; use a fresh key per agent.
    error TierGuardInvalidKey(address key);

    /// @notice The key is already granted to another agent identity.
    /// @dev `grantSessionKey` names a key that already has a grant for a *different* agent identity. An
    ///   expired grant still belongs to its agent until it is revoked. Granting a key again for the *same* agent
    ///   (to extend it) is fine.
    /// @param key is the session key
    /// @param agentId is the agent identity it currently belongs to
    /// @custom:fix generate a new key for the new agent. Frequency limits and open intents count per agent identity
    ///   (budgets are wallet-wide per tier), so reusing keys mixes agents' limits. If you really mean to move the key, revoke it first. In one owner action,
    ///   call `revokeSessionKey(key)` and then `grantSessionKey(key, newAgentId, validUntil)`.
    /// @custom:sdk-message key {key} is already granted to another agent identity ({agentId})
    /// @custom:sdk-fix Generate a new key for the new agent, or revokeSessionKey(key) then grantSessionKey(key,
    /// newAgentId, validUntil) in one owner action.
    error TierGuardKeyBelongsToOtherAgent(address key, bytes32 agentId);

    /// @notice The agent identity is zero, or its last 5 bytes are not zero.
    /// @dev `grantSessionKey` was given an agent identity that cannot be used: either `bytes32(0)`, or one
    ///   whose last 5 bytes are not zero. An agent id has 27 significant bytes, so that a key's grant fits in one
    ///   storage word with its expiry. The wallet also builds intent ids by writing the agent's 40-bit intent nonce
    ///   into those last 5 bytes (`agentId | nonce`, no hashing). `intentIdFor(agentId, nonce)` raises this error
    ///   when the `agentId` you pass has a non-zero byte among its last 5.
    /// @custom:fix use a non-zero id whose last 5 bytes are zero. Either encode a name of at most 27 characters as a
    ///   left-aligned `bytes32` (for example `"procurement-agent-prod"`), or take a hash and clear its last 5 bytes.
    ///   Frequency limits and intent ids are tracked per `agentId`.
    /// @custom:sdk-message the agent id is zero or its last 5 bytes are not zero
    /// @custom:sdk-fix Use a non-zero id whose last 5 bytes are zero: a name of at most 27 characters as a
    /// left-aligned bytes32 (stringToHex(name, { size: 32 })), or a hash with its last 5 bytes cleared.
    error TierGuardInvalidAgent();

    /// @notice The category id is out of range, or the category name is empty.
    /// @dev `defineCategory` was given an id outside `0..63`, or an empty name (`bytes32(0)`).
    /// @param category is the rejected id
    /// @custom:fix use an id from 0 to 63 and a non-empty name (a short string encoded as `bytes32`). To see which ids
    ///   are already defined, read `settings().categories` (bit i = category i) or `categoryName(id)`. Undefining a
    ///   category that is not defined raises [`TierGuardUnknownCategory`](#tierguardunknowncategory), not this error.
    /// @custom:sdk-message category {category} is out of range (0..63) or its name is empty
    /// @custom:sdk-fix Use an id from 0 to 63 and a non-empty bytes32 name.
    error TierGuardInvalidCategory(uint8 category);

    /// @notice The category cannot be undefined (`undefineCategory`) while a tier or the prohibitions use it.
    /// @dev `undefineCategory` for a category that a tier's rules or the prohibited categories still include.
    /// @param category is the category id
    /// @custom:fix take the category out of every tier and out of the prohibitions first. In the same owner action,
    ///   put `setTierRules` / `setProhibitions` without that bit before `undefineCategory`.
    /// @custom:sdk-message category {category} is still used by a tier or the prohibitions
    /// @custom:sdk-fix In the same owner action, call setTierRules / setProhibitions without it before
    /// undefineCategory.
    error TierGuardCategoryInUse(uint8 category);

    /// @notice A category cannot be both allowed by a tier and prohibited.
    /// @dev a category would be both allowed by a tier and prohibited. Two calls can cause this:
    ///   - `setTierRules`: the tier's `categories` include a prohibited category;
    ///   - `setProhibitions`: the prohibited `categories` include a category that a tier allows.
    /// @param categories is a bitmask of the categories in conflict (bit i = category i)
    /// @custom:fix decide where each conflicting category belongs, and change the policy in the right order in one
    ///   owner action. To prohibit a category that a tier allows, first call `setTierRules` without it, then
    ///   `setProhibitions`. To allow a prohibited category, first call `setProhibitions` without it, then
    ///   `setTierRules`.
    /// @custom:sdk-message categories (mask 0x{categories:hex}) would be both allowed by a tier and prohibited
    /// @custom:sdk-fix Change the policy in the right order in one owner action: setTierRules without the category
    /// before setProhibitions (or the reverse to allow it).
    error TierGuardCategoryConflict(uint64 categories);

    /// @notice This function does not accept that tier (usually `Prohibited`).
    /// @dev a function that takes a tier was given one it does not accept. `setTierRules` and `setBudget`,
    ///   and the views `tierRules` and `budget`, accept only `Autonomous` (0), `Supervised` (1) and
    ///   `Collaborative` (2). The `Prohibited` tier has no rules and no budget: it never pays.
    /// @param tier is the raw tier number that was passed
    /// @custom:fix pass 0, 1 or 2. Prohibitions are set with `setProhibitions`. Where unmatched intents go is set with
    ///   `setUnmatchedTier`.
    /// @custom:sdk-message tier {tier} is not accepted here (only Autonomous, Supervised, Collaborative)
    /// @custom:sdk-fix Pass 0, 1 or 2. Prohibitions are set with setProhibitions, the unmatched tier with
    /// setUnmatchedTier.
    error TierGuardInvalidTier(uint8 tier);

    /// @notice A tier rule, budget or prohibition field is invalid; `field` names it.
    /// @dev `setTierRules`, `setBudget` or `setProhibitions` was given a value that breaks a rule. `field`
    ///   names the offending field:
    ///
    ///   | `field` | Raised by | Rule |
    ///   | --- | --- | --- |
    ///   | `categories` | `setTierRules`, `setProhibitions` | The mask includes a category that is not defined. For `setProhibitions`, `tier` is `Prohibited` (3). (A category both allowed and prohibited raises [`TierGuardCategoryConflict`](#tierguardcategoryconflict) instead.) |
    ///   | `maxValue` | `setTierRules` | The tier has categories, so `maxValue` must be greater than 0. |
    ///   | `minTrust` | `setTierRules` | Must be `Unknown` (0), `Known` (1) or `Verified` (2), not `Blocked`. |
    ///   | `maxCount` | `setTierRules` | With a frequency `period`, `maxCount` must be greater than 0. It is at most 16,777,215 (counts are 24-bit). |
    ///   | `window` | `setTierRules` | Must be 0 for `Autonomous`. Must be greater than 0 for `Collaborative`, even when the tier allows no category, because it is also the approval timeout of unmatched intents sent to owner review. Must be greater than 0 for `Supervised` when the tier allows any category: a veto window of 0 would let the agent execute in the next block. |
    ///   | `grace` | `setTierRules` | Must be greater than 0 for `Supervised` when the tier allows any category, or nothing could ever execute. A disabled supervised tier (`categories` = 0) may have `grace` 0. Must be 0 for `Autonomous` and `Collaborative`. |
    ///   | `budget.period` | `setBudget` | A budget (`max > 0`) needs a `period` greater than 0. |
    /// @param tier is the tier being configured
    /// @param field is the name of the field that failed
    /// @custom:fix correct that field. To allow a category that does not exist yet, put `defineCategory` before
    ///   `setTierRules` in the same owner action. To disable a tier, set `categories` to 0.
    /// @custom:sdk-message invalid {tier:tier} tier setting: field '{field}'
    /// @custom:sdk-fix Correct that field (see docs/errors.md#tierguardinvalidtierrules); define categories before
    /// using them, set categories to 0 to disable a tier.
    error TierGuardInvalidTierRules(Tier tier, string field);

    /// @notice A token configuration is invalid; `field` names the problem.
    /// @dev `configureToken` could not accept the token with these parameters. `field` names the problem:
    ///
    ///   | `field` | Meaning |
    ///   | --- | --- |
    ///   | `address` | The token address has no contract code. Native ETH is `address(0)`. |
    ///   | `decimals` | The token's `decimals()` could not be read, or is above 36. |
    ///   | `kind` | `kind` must be `Fixed` (1) or `Feed` (2). To stop accepting a token, use `removeToken`. |
    ///   | `price` | A fixed price of 0. |
    ///   | `maxStaleness` | A fixed price needs `maxStaleness` 0. A feed needs it above 0. |
    ///   | `feed` | The feed address has no code, its `decimals()` could not be read, or they are above 36. |
    /// @param token is the token being configured
    /// @param field is the problem, as above
    /// @custom:fix correct that parameter. A fixed price is given with 18 decimals: reference units per whole token
    ///   × 10¹². For example, `1.00` USD per token is `1e18`. A feed must be an AggregatorV3-style contract that
    ///   quotes the token in the reference currency.
    /// @custom:sdk-message token {token} cannot be configured: '{field}' is invalid
    /// @custom:sdk-fix Correct that parameter: a fixed price has 18 decimals (1.00 per token = 1e18) and
    /// maxStaleness 0; a feed needs code, readable decimals and maxStaleness > 0.
    error TierGuardInvalidToken(address token, string field);

    /// @notice A trust value or trust mask is out of range.
    /// @dev `setProhibitions` was given a `trustMask` above 7. Only bits 0–2 (Unknown, Known, Verified) may be
    ///   set. `Blocked` recipients are always prohibited, so they need no bit. A trust value above `Blocked` (3) is
    ///   also rejected.
    /// @param trust is the rejected mask or value
    /// @custom:fix build the mask from bits 0–2 only. For example, `1` prohibits Unknown recipients.
    /// @custom:sdk-message trust value or mask {trust} is out of range
    /// @custom:sdk-fix Build trust masks from bits 0-2 only (Unknown, Known, Verified); trust values go up to
    /// Blocked (3).
    error TierGuardInvalidTrust(uint8 trust);

    /// @notice Unmatched intents can only go to `Collaborative` or `Prohibited`.
    /// @dev `setUnmatchedTier` was given a tier other than `Collaborative` (2) or `Prohibited` (3).
    /// @param tier is the raw tier number that was passed
    /// @custom:fix send unmatched intents to owner review (`Collaborative`) or block them (`Prohibited`). A wallet
    ///   starts with `Prohibited`.
    /// @custom:sdk-message unmatched intents cannot go to tier {tier}
    /// @custom:sdk-fix Send unmatched intents to Collaborative (2, owner review) or Prohibited (3).
    error TierGuardInvalidUnmatchedTier(uint8 tier);

    /// @notice The agent is frozen: no session key can be granted to it.
    /// @dev `grantSessionKey` was called for an agent that an owner froze (`freezeAgent`).
    /// @param agentId is the frozen agent
    /// @custom:fix if the agent is safe again, close its queued intents (they are refused at execution; or call
    ///   `freezeAgent` again with them), then put `unfreezeAgent(agentId)` before `grantSessionKey` in one owner action.
    /// @custom:sdk-message agent {agentId} is frozen: no session key can be granted to it
    /// @custom:sdk-fix Close its queued intents, then put unfreezeAgent(agentId) before grantSessionKey in one
    /// owner action.
    error TierGuardAgentFrozen(bytes32 agentId);

    /// @notice `unfreezeAgent` was called for an agent that is not frozen.
    /// @dev `unfreezeAgent` was called for an agent that is not frozen.
    /// @param agentId is the agent named
    /// @custom:fix nothing to undo; remove the call (check the agent id: `agentState(agentId).frozen`).
    /// @custom:sdk-message agent {agentId} is not frozen
    /// @custom:sdk-fix Nothing to undo: remove the unfreezeAgent call (check the agent id).
    error TierGuardAgentNotFrozen(bytes32 agentId);

    /// @notice A frozen agent still has open queued intents, so it cannot be unfrozen yet.
    /// @dev `unfreezeAgent` was called while the frozen agent still has queued intents that are not closed.
    ///   Unfreezing then would let them pay again.
    /// @param agentId is the agent
    /// @param openIntents is how many of its queued intents are still open
    /// @custom:fix close them first: `freezeAgent(agentId, queued)` again with those intents (any single owner), or
    ///   `reject` / `veto` / `expire` them; then unfreeze.
    /// @custom:sdk-message agent {agentId} still has {openIntents} open queued intents
    /// @custom:sdk-fix Close them first (freezeAgent again with them, or reject / veto / expire them), then
    /// unfreeze.
    error TierGuardAgentHasOpenIntents(bytes32 agentId, uint256 openIntents);

    /// @custom:group Intents
    /// @notice The wallet is paused.
    /// @dev `spend` (and `preview`) while the wallet is paused. This includes intents that would be
    ///   prohibited. `pause` also raises it when the wallet is already paused. Executing a queued intent while
    ///   paused does not revert. It is refused with `IntentRefused(..., Paused, false, 0)` and stays queued.
    /// @custom:fix wait until the owners resume the wallet with an owner action that calls `unpause()`. Only owners,
    ///   M-of-N, can unpause. Guardians cannot. For `pause`, there is nothing to do: the wallet is already paused.
    /// @custom:sdk-message the wallet is paused
    /// @custom:sdk-fix Wait until the owners resume it with an owner action calling unpause() (M-of-N). For pause:
    /// it is already paused, nothing to do.
    error TierGuardPaused();

    /// @notice `unpause` was called but the wallet is not paused.
    /// @dev `unpause` (inside an owner action) when the wallet is not paused.
    /// @custom:fix nothing needs resuming. Remove the `unpause` call from the batch.
    /// @custom:sdk-message unpause was called but the wallet is not paused
    /// @custom:sdk-fix Nothing needs resuming: remove the unpause call from the batch.
    error TierGuardNotPaused();

    /// @notice The amount is zero.
    /// @dev `spend` or `preview` with `amount` 0, or `withdraw` with `amount` 0.
    /// @custom:fix pass a non-zero amount, in the token's smallest unit. For example, 1 USDC (6 decimals) is
    ///   `1_000_000`.
    /// @custom:sdk-message the amount is zero
    /// @custom:sdk-fix Pass a non-zero amount (in the token's smallest unit on-chain; the SDK takes decimal strings
    /// such as "1.00").
    error TierGuardZeroAmount();

    /// @notice The recipient is the zero address or the wallet itself.
    /// @dev the recipient is the zero address or the wallet itself. Raised for the recipient in `spend` and
    ///   `preview`, for `to` in `withdraw`, and for the recipient in `setRecipientTrust`.
    /// @param recipient is the rejected address
    /// @custom:fix pass the real payee's address.
    /// @custom:sdk-message recipient {recipient} is the zero address or the wallet itself
    /// @custom:sdk-fix Pass the real payee's address.
    error TierGuardInvalidRecipient(address recipient);

    /// @notice The category is not defined.
    /// @dev `spend` or `preview` with a category that is not defined (or an id above 63). `undefineCategory`
    ///   also raises it for a category that is not defined.
    /// @param category is the rejected id
    /// @custom:fix use a defined category. `settings().categories` has bit i set for each defined id, and
    ///   `categoryName(id)` gives its name. If the category is missing, ask the owners to add it with
    ///   `defineCategory` (and include it in a tier). A category that is defined but allowed by no tier is *not* an
    ///   error: it is classified into the unmatched tier.
    /// @custom:sdk-message category {category} is not defined in the wallet's policy
    /// @custom:sdk-fix Use a defined category (settings().categories, categoryName(id)), or ask the owners to
    /// defineCategory it and include it in a tier.
    error TierGuardUnknownCategory(uint8 category);

    /// @notice The token is not configured in this wallet.
    /// @dev `spend`, `preview` or `quote` with a token the wallet does not accept: it was never configured,
    ///   or it was removed. Native ETH (`address(0)`) must be configured too. `removeToken` also raises it for a
    ///   token that is not configured. An intent that is prohibited anyway is recorded without a price, so it does
    ///   not raise this error.
    /// @param token is the token address
    /// @custom:fix pay in an accepted token (`tokens()` lists them), or ask the owners to accept this one with
    ///   `configureToken`. A *queued* intent whose token has since been removed does not revert when executed. It is
    ///   refused for good (`IntentRefused` with `TokenNotAccepted` and `closed` = `true`).
    /// @custom:sdk-message token {token} is not accepted by the wallet
    /// @custom:sdk-fix Pay in an accepted token (tokens()), or ask the owners to accept it with configureToken.
    error TierGuardTokenNotAccepted(address token);

    /// @notice The token's price feed has not updated within `maxStaleness` seconds.
    /// @dev `spend`, `preview` or `quote` for a feed-priced token whose feed has not updated within
    ///   `maxStaleness` seconds. The answer counts as stale when `updatedAt + maxStaleness < block.timestamp`.
    /// @param token is the token
    /// @param updatedAt is the feed's last update time
    /// @param maxStaleness is the maximum age the token's configuration allows, in seconds
    /// @custom:fix wait for the feed to update and submit again. If the feed updates less often than `maxStaleness`
    ///   allows, ask the owners to reconfigure the token with `configureToken`: either a larger `maxStaleness`, or a
    ///   fixed price (`kind` = `Fixed`). Queued intents are not affected: they keep the value computed when they were
    ///   submitted.
    /// @custom:sdk-message the price feed of {token} is stale (last update {updatedAt:time}, max age
    /// {maxStaleness}s)
    /// @custom:sdk-fix Wait for the feed to update and submit again, or ask the owners to reconfigure the token
    /// (larger maxStaleness or a fixed price).
    error TierGuardStalePrice(address token, uint256 updatedAt, uint32 maxStaleness);

    /// @notice The price feed returned zero, a negative price, or could not be read.
    /// @dev `spend`, `preview` or `quote` for a feed-priced token whose feed returned a price of zero or
    ///   less, or whose `latestRoundData()` call failed or returned malformed data (shorter than five words).
    ///   A feed can never make the wallet revert with anything else: an answer updated "in the future" counts as
    ///   fresh, and an overflowing price becomes `TierGuardValueTooLarge`. Blocked (prohibited) intents are still
    ///   recorded, with value 0.
    /// @param token is the token
    /// @param answer is the price the feed returned (0 if the call failed or returned malformed data)
    /// @custom:fix the price feed is broken or paused. Check the feed, then wait, or ask the owners to point the token
    ///   at a working feed, or at a fixed price, with `configureToken`.
    /// @custom:sdk-message the price feed of {token} returned an invalid price ({answer})
    /// @custom:sdk-fix The feed is broken or paused: check it, wait, or ask the owners to point the token at a
    /// working feed or fixed price.
    error TierGuardInvalidPrice(address token, int256 answer);

    /// @notice The payment's value does not fit in 64 bits of reference units.
    /// @dev `spend`, `preview` or `quote`: the payment's value in reference units does not fit in 64 bits.
    ///   The limit is about 18.4 trillion (18,446,744,073,709.55 at 6 decimals).
    /// @param value is the computed value. It is the maximum `uint256` if even the calculation overflowed
    /// @custom:fix this almost always means a mistake. Check that `amount` is in the token's smallest unit (not scaled
    ///   twice) and that the token's price is configured correctly (`tokenConfig(token)`, `quote(token, amount)`).
    /// @custom:sdk-message the payment's value ({value} reference units) does not fit in 64 bits
    /// @custom:sdk-fix Check that the amount is in the token's units (not scaled twice) and that the token's price
    /// is configured correctly (tokenConfig, quote).
    error TierGuardValueTooLarge(uint256 value);

    /// @notice The justification is longer than 512 bytes.
    /// @dev `spend` with a justification longer than 512 bytes.
    /// @param length is the justification's length in bytes
    /// @param max is 512
    /// @custom:fix shorten the text. The limit is in UTF-8 bytes, not characters: accented letters and emoji take 2–4
    ///   bytes each.
    /// @custom:sdk-message the justification is {length} bytes; the maximum is {max}
    /// @custom:sdk-fix Shorten the text (the limit is in UTF-8 bytes, not characters).
    error TierGuardJustificationTooLong(uint256 length, uint256 max);

    /// @notice The agent made the policy's maximum of blocked attempts in its 24-hour window.
    /// @dev `spend` classified the intent as prohibited, and the agent has already made `maxBlockedAttempts`
    ///   blocked attempts in its current 24-hour window. Attempts up to the cap are recorded as usual; beyond it the
    ///   call reverts, so that an agent cannot flood the audit trail and the owners' alerts.
    /// @param agentId is the agent
    /// @param maxBlockedAttempts is the policy's cap (`settings().maxBlockedAttempts`)
    /// @custom:fix stop submitting payments the policy prohibits (`preview` tells you the tier first). The window
    ///   ends 24 hours after its first blocked attempt. An agent that keeps trying is worth freezing (`freezeAgent`).
    ///   Owners change the cap with `setMaxBlockedAttempts` (0 = no cap).
    /// @custom:sdk-message agent {agentId} has made {maxBlockedAttempts} blocked (prohibited) attempts in its
    /// 24-hour window: no more are recorded
    /// @custom:sdk-fix Stop submitting prohibited payments (check the policy with preview first); the cap resets 24
    /// hours after the window began.
    error TierGuardTooManyBlockedAttempts(bytes32 agentId, uint256 maxBlockedAttempts);

    /// @notice The wallet does not hold enough to pay now.
    /// @dev the wallet must pay immediately but holds less than `amount`. That happens for an autonomous
    ///   intent, which `spend` pays in the same call, and for `withdraw`. Currently this check is made for native
    ///   ETH (`token` = `address(0)`). For an ERC-20 token, the error comes from the token transfer instead: the
    ///   token's own revert data, or OpenZeppelin's `SafeERC20FailedOperation(address token)` if the token returns
    ///   `false`.
    ///   *Queued* intents never revert for lack of funds: their execution is refused with `TransferFailed`
    ///   (retryable) and they stay queued.
    /// @param token is the token (`address(0)` for ETH)
    /// @param balance is what the wallet holds
    /// @param amount is what the call needed
    /// @custom:fix fund the wallet (send ETH to it, or transfer tokens to it), then try again. Or pay or withdraw less.
    /// @custom:sdk-message the wallet holds {balance} of {token} but the payment needs {amount}
    /// @custom:sdk-fix Fund the wallet, then try again, or pay less.
    error TierGuardInsufficientBalance(address token, uint256 balance, uint256 amount);

    /// @notice The recipient did not accept the ETH.
    /// @dev the wallet sent ETH and the recipient reverted. The recipient may be a contract with no
    ///   `receive`/payable fallback, may have run out of gas, or may have reverted for its own reasons (for example
    ///   because it tried to call back into the wallet during the payment). This error is raised where the wallet
    ///   pays at once: `spend` for an autonomous ETH payment, and `withdraw`. A *queued* ETH intent whose recipient
    ///   rejects the ETH does not revert. Its execution is refused with `TransferFailed` (retryable) and it stays
    ///   queued.
    /// @param recipient is the address that refused the ETH
    /// @param amount is the amount in wei
    /// @custom:fix pay an address that accepts ETH, or pay in an ERC-20 token. A queued intent to a recipient that
    ///   keeps refusing ETH will eventually pass its deadline. Finalise it with `expire`, and have the agent submit a
    ///   corrected intent.
    /// @custom:sdk-message recipient {recipient} did not accept {amount} wei
    /// @custom:sdk-fix Pay an address that accepts ETH, or pay in an ERC-20 token.
    error TierGuardNativeTransferFailed(address recipient, uint256 amount);

    /// @notice No waiting intent matches this id and these `PendingIntent` fields (it was never queued, is already
    /// decided, or a field is wrong).
    /// @dev `veto`, `approve`, `approveBySignatures`, `reject`, `execute` or `expire` could not find a
    ///   waiting intent with this id whose stored commitment matches the `PendingIntent` you passed. There are three
    ///   causes:
    ///   - **the intent is already decided.** The wallet deletes an intent's record as soon as it is executed,
    ///     vetoed, rejected, expired (or stale), or closed by a final refusal: storage keeps only intents that still
    ///     wait. Any later call on it raises this error;
    ///   - **it was never queued.** Autonomous intents are paid and prohibited ones recorded in the `spend` call
    ///     itself, so they are unknown to these functions, and so is an id that no intent has;
    ///   - **a field is wrong.** The wallet stores only a hash of the intent's fields, so a single wrong field makes
    ///     the intent "unknown".
    /// @param intentId is the id you passed
    /// @custom:fix first check `intentStatus(intentId)`. If it is `None`, the intent is not waiting: it was never
    ///   queued, or it is decided and there is nothing left to do. Its events say what happened (filter the
    ///   wallet's logs by `intentId`: [`IntentExecuted`](events.md#intentexecuted),
    ///   [`IntentVetoed`](events.md#intentvetoed), [`IntentRejected`](events.md#intentrejected),
    ///   [`IntentExpired`](events.md#intentexpired) or a closing [`IntentRefused`](events.md#intentrefused)). If it
    ///   is `Queued` or `AwaitingApproval`, a field is wrong: pass the `PendingIntent` fields exactly as the
    ///   submission reported them:
    ///
    ///   | Field | Where to read it |
    ///   | --- | --- |
    ///   | `agentId`, `recipient`, `token`, `amount` | fields of `IntentSubmitted` |
    ///   | `value`, `category`, `tier`, `notBefore`, `deadline` | decoded from its `details` |
    ///   | `budgeted` | `value` if the `budgeted` bit of `details` is 1, else 0 |
    ///   | `submittedAt` | the timestamp of the block that contains `IntentSubmitted` |
    ///
    ///   The [`details` layout](events.md#the-details-field) and a
    ///   [snippet that rebuilds the struct](events.md#rebuilding-a-pendingintent) are in the events documentation.
    ///   Common mistakes: passing `value` as `amount`, passing the `budgeted` bit itself instead of the value, taking
    ///   `submittedAt` from a local clock, using the wrong wallet or chain, or mistyping the id.
    /// @custom:sdk-message no waiting intent matches id {intentId} and the PendingIntent fields passed (never
    /// queued, already decided, or a field is wrong)
    /// @custom:sdk-fix Check intentStatus(intentId): if None, the intent is decided or was never queued (its events
    /// say what happened); otherwise pass the PendingIntent exactly as rebuilt from IntentSubmitted (the SDK
    /// rebuilds it for you).
    error TierGuardUnknownIntent(bytes32 intentId);

    /// @notice The intent waits in the other queued status: a supervised intent was approved or rejected, or a
    /// collaborative one vetoed.
    /// @dev the intent is waiting, but in the other queued status from the one the function needs:
    ///
    ///   | Function | Requires status |
    ///   | --- | --- |
    ///   | `veto` | `Queued` (supervised) |
    ///   | `approve`, `approveBySignatures`, `reject` | `AwaitingApproval` (collaborative) |
    ///   | `execute`, `expire` | `Queued` or `AwaitingApproval` |
    ///
    ///   In practice it is raised when `veto` is called on a collaborative intent, or `approve`,
    ///   `approveBySignatures` or `reject` on a supervised one. Decided intents are no longer stored, so they raise
    ///   [`TierGuardUnknownIntent`](#tierguardunknownintent) instead, and `execute` and `expire` accept both waiting
    ///   statuses.
    /// @param intentId is the intent
    /// @param status is its current status: `Queued` (1) or `AwaitingApproval` (2) (see the [enum
    /// values](events.md#status))
    /// @custom:fix use the function that fits the intent's tier. A supervised intent (`Queued`) is vetoed during its
    ///   veto window, then executed by anyone; owners do not approve it. A collaborative intent (`AwaitingApproval`)
    ///   is approved or rejected by owners; it has no veto.
    /// @custom:sdk-message intent {intentId} waits in status {status:status}, which this call does not accept
    /// @custom:sdk-fix Use the call that fits the tier: a supervised intent (Queued) is vetoed in its window then
    /// executed; a collaborative one (AwaitingApproval) is approved or rejected.
    error TierGuardWrongStatus(bytes32 intentId, Status status);

    /// @notice Too late to veto: the veto window has ended.
    /// @dev `veto` at or after the end of the supervised intent's veto window
    ///   (`block.timestamp >= notBefore`).
    /// @param intentId is the intent
    /// @param notBefore is when the veto window ended
    /// @custom:fix the intent can no longer be vetoed. Anyone may now execute it until its deadline. To stop it
    ///   anyway:
    ///   - **pause the wallet.** Any single owner or guardian can do this. An execution attempt while paused is
    ///     refused and the intent stays queued. Once its `deadline` passes, finalise it with `expire` (status
    ///     `Stale`).
    ///   - **block the recipient.** With an owner action, call `setRecipientTrust(recipient, Blocked)`, or remove the
    ///     token. The next execution attempt is then refused for good.
    /// @custom:sdk-message too late to veto intent {intentId}: its veto window ended at {notBefore:time}
    /// @custom:sdk-fix It can no longer be vetoed. To stop it anyway, pause the wallet (then expire it after its
    /// deadline) or block the recipient with an owner action.
    error TierGuardVetoWindowOver(bytes32 intentId, uint40 notBefore);

    /// @notice Too early to execute: the veto window is still open.
    /// @dev `execute` on a supervised intent whose veto window is still open (`block.timestamp < notBefore`).
    /// @param intentId is the intent
    /// @param notBefore is the first second at which it can be executed
    /// @custom:fix wait until `notBefore`, then call `execute` again.
    /// @custom:sdk-message too early to execute intent {intentId}: its veto window is open until {notBefore:time}
    /// @custom:sdk-fix Wait until notBefore, then call execute again.
    error TierGuardVetoWindowOpen(bytes32 intentId, uint40 notBefore);

    /// @notice The intent's deadline has passed.
    /// @dev the intent's deadline has been reached (`block.timestamp >= deadline`):
    ///   - `execute` on a supervised intent after its grace period;
    ///   - `approve`, `approveBySignatures`, `reject` or `execute` on a collaborative intent after its approval
    ///     timeout.
    /// @param intentId is the intent
    /// @param deadline is its deadline (exclusive)
    /// @custom:fix the intent can no longer be paid, approved or rejected. Call `expire(intentId, intent)` to close it
    ///   (`Stale` for supervised, `Expired` for collaborative) and release its budget. If the payment is still
    ///   needed, the agent submits a new intent.
    /// @custom:sdk-message intent {intentId} passed its deadline {deadline:time}
    /// @custom:sdk-fix It can no longer be paid, approved or rejected: call expire to close it and release its
    /// budget; the agent submits a new intent if still needed.
    error TierGuardDeadlinePassed(bytes32 intentId, uint40 deadline);

    /// @notice Too early to expire: the deadline has not been reached.
    /// @dev `expire` before the intent's deadline (`block.timestamp < deadline`).
    /// @param intentId is the intent
    /// @param deadline is the first second at which it can be expired
    /// @custom:fix wait until `deadline`. To close the intent sooner, `veto` it (supervised, during its veto window) or
    ///   `reject` it (collaborative).
    /// @custom:sdk-message too early to expire intent {intentId}: its deadline is {deadline:time}
    /// @custom:sdk-fix Wait until the deadline, or close it sooner with veto (supervised, in its window) or reject
    /// (collaborative).
    error TierGuardDeadlineNotReached(bytes32 intentId, uint40 deadline);

    /// @notice This owner has already approved the intent on-chain.
    /// @dev `approve` by an owner whose on-chain approval of this intent is already recorded.
    ///   (`approveBySignatures` does not raise it: an owner who both approved on-chain and signed is simply counted
    ///   once.)
    /// @param intentId is the intent
    /// @param owner is the caller
    /// @custom:fix nothing to do: the approval already counts. Collect approvals from other owners. If M owners have
    ///   approved but the payment was refused for a retryable reason (wallet paused, transfer not possible yet), call
    ///   `execute` once that is resolved.
    /// @custom:sdk-message {owner} has already approved intent {intentId} on-chain
    /// @custom:sdk-fix Nothing to do: the approval counts. Collect approvals from other owners; if M approved but
    /// the payment was refused for a retryable reason, call execute once resolved.
    error TierGuardAlreadyApproved(bytes32 intentId, address owner);

    /// @custom:group Idempotency and signed intents
    /// @notice The idempotency key is zero.
    /// @dev `spendIdempotent` or `spendSigned` with `idempotencyKey` 0. A zero key is what an unset variable holds,
    ///   so the wallet refuses it rather than let unrelated payments share it.
    /// @custom:fix derive the key from something that identifies the payment request and stays the same across
    ///   retries: the SDK's `authorize({ idempotencyKey })` takes any string (hashed with keccak256) or derives one
    ///   from a `requestId`.
    /// @custom:sdk-message the idempotency key is zero
    /// @custom:sdk-fix Pass idempotencyKey (or a requestId to derive it from) that names this payment request and
    /// stays the same across retries.
    error TierGuardZeroIdempotencyKey();

    /// @notice The idempotency key already names another submission.
    /// @dev either `spendIdempotent` was called with a key this agent already used for a payment with a different
    ///   token, amount, recipient or category (a retry must repeat them; the justification may differ), or
    ///   `spendSigned` was called with a key already used: the signed intent was submitted before (replayed), or
    ///   the agent used the key for another payment.
    /// @param agentId is the agent the key belongs to
    /// @param idempotencyKey is the key
    /// @param intentId is the intent the key already names
    /// @custom:fix nothing was paid by this call. For a replayed signed intent there is nothing to do: read its
    ///   result with `intentByKey(agentId, idempotencyKey)` and its events. For a new payment, use a new key.
    /// @custom:sdk-message idempotency key {idempotencyKey:hex} of agent {agentId:hex} already names intent {intentId:hex}
    /// @custom:sdk-fix Nothing was paid by this call. If it repeats an earlier payment, read that intent (intentByKey);
    /// for a different payment use a new idempotency key.
    error TierGuardIdempotencyKeyUsed(bytes32 agentId, bytes32 idempotencyKey, bytes32 intentId);

    /// @notice The signed intent's deadline has passed.
    /// @dev `spendSigned` after the `deadline` the session key signed (valid up to and including that second).
    /// @param deadline is the signed deadline
    /// @param nowTs is the block timestamp of the failed call
    /// @custom:fix have the agent sign the intent again with a later deadline (the same idempotency key is fine: an
    ///   expired intent was never submitted), and relay it sooner.
    /// @custom:sdk-message the signed intent's deadline {deadline:time} has passed (block time {nowTs:time})
    /// @custom:sdk-fix Sign the intent again with a later deadline (keep the idempotency key) and submit it sooner.
    error TierGuardSignedIntentExpired(uint256 deadline, uint256 nowTs);

    /// @notice The signature does not verify for the stated session key.
    /// @dev `spendSigned`: the signature does not verify for `key` over the digest the wallet computed from the
    ///   submitted intent (`signedSpendDigest(intent)`). Either another key signed it, or a field was changed
    ///   after signing (token, amount, recipient, category, justification, idempotency key or deadline), or it was
    ///   signed for another wallet or chain, or as a plain message.
    /// @param key is the session key named by the submitter
    /// @custom:fix submit the intent exactly as signed, with the key that signed it; sign it as EIP-712 typed data
    ///   (the SDK's `signIntent`) for this wallet and chain.
    /// @custom:sdk-message the intent's signature does not verify for session key {key}
    /// @custom:sdk-fix Submit the intent exactly as signed with the key that signed it, or sign it again as EIP-712
    /// typed data for this wallet and chain.
    error TierGuardInvalidIntentSignature(address key);
    /// @custom:group x402 payments
    /// These errors come from `authorizeX402` and `releaseX402`, the wallet's path for paying x402 APIs (see the
    /// README, "Paying x402 APIs"). An x402 payment is classified like `spend`, so it can also raise the errors of
    /// `spend` above.
    /// @notice The authorization's validity window cannot be recorded.
    /// @dev `authorizeX402` got an authorization whose `validBefore` has already passed (`validBefore <=
    ///   block.timestamp`), is not above `validAfter`, or does not fit 40 bits (after the year 36812).
    /// @param validAfter is the authorization's validAfter
    /// @param validBefore is the authorization's validBefore
    /// @param nowTs is the block timestamp of the failed call
    /// @custom:fix create a fresh authorization with `validAfter < validBefore` and a `validBefore` in the future.
    ///   For a payment that will wait for a veto window or approvals, choose a `validBefore` after the intent's
    ///   deadline, or it expires before the owners decide.
    /// @custom:sdk-message the x402 authorization's validity ({validAfter:time} .. {validBefore:time}) is over or
    /// empty (block time {nowTs:time})
    /// @custom:sdk-fix Create a fresh authorization with validAfter < validBefore and validBefore in the future
    /// (after the intent's deadline for a queued payment).
    error TierGuardX402InvalidValidity(uint256 validAfter, uint256 validBefore, uint256 nowTs);

    /// @notice The token has no EIP-712 domain for EIP-3009 authorizations.
    /// @dev `authorizeX402` names ETH (address(0)) or a token whose `DOMAIN_SEPARATOR()` cannot be read. x402's
    ///   `exact` EVM scheme needs an EIP-3009 token such as USDC or EURC.
    /// @param token is the token
    /// @custom:fix pay with an accepted EIP-3009 token (one that has `transferWithAuthorization` and
    ///   `DOMAIN_SEPARATOR()`, such as USDC). Other payments go through `spend`.
    /// @custom:sdk-message {token} is not an EIP-3009 token (no DOMAIN_SEPARATOR), so it cannot pay x402
    /// @custom:sdk-fix Pay x402 APIs with an accepted EIP-3009 token such as USDC; use spend for other payments.
    error TierGuardX402NotEip3009Token(address token);

    /// @notice This authorization was already recorded.
    /// @dev `authorizeX402` got an authorization whose digest the wallet has already recorded (same token, payee,
    ///   value, validity and nonce). Each x402 payment has a fresh random nonce.
    /// @param digest is the authorization's EIP-712 digest
    /// @custom:fix nothing was counted twice. Reuse the first intent's result (its `X402AuthorizationRecorded`
    ///   event), or create a new authorization with a fresh nonce.
    /// @custom:sdk-message x402 authorization {digest:hex} is already recorded
    /// @custom:sdk-fix Reuse the first intent's result, or create a new authorization with a fresh nonce.
    error TierGuardX402AlreadyRecorded(bytes32 digest);

    /// @notice No authorized x402 payment of this intent with this authorization.
    /// @dev `releaseX402` got an intent and authorization that the wallet did not authorize: never recorded, still
    ///   pending with its queued intent (closing the intent gives its budget back), already released, or recorded
    ///   for another intent.
    /// @param intentId is the intent given
    /// @param digest is the digest of the authorization given
    /// @custom:fix pass the intent id and the authorization exactly as `X402AuthorizationRecorded` and
    ///   `IntentSubmitted` reported them. A queued intent that never executed releases its budget with `veto`,
    ///   `reject` or `expire`.
    /// @custom:sdk-message intent {intentId} has no authorized x402 payment with digest {digest:hex}
    /// @custom:sdk-fix Pass the intent id and authorization exactly as X402AuthorizationRecorded reported them; a
    /// queued intent that never executed is closed with veto, reject or expire instead.
    error TierGuardX402NotReleasable(bytes32 intentId, bytes32 digest);

    /// @notice The authorization can still be settled.
    /// @dev `releaseX402` before the authorization's `validBefore` (`block.timestamp < validBefore`): the
    ///   facilitator may still settle it.
    /// @param digest is the authorization's digest
    /// @param validBefore is the first second at which it can be released
    /// @custom:fix wait until `validBefore`, then call `releaseX402` again.
    /// @custom:sdk-message x402 authorization {digest:hex} is valid until {validBefore:time}
    /// @custom:sdk-fix Wait until validBefore, then release it again.
    error TierGuardX402StillValid(bytes32 digest, uint40 validBefore);

    /// @notice The token says the authorization was used (settled) or cancelled.
    /// @dev `releaseX402` on an authorization whose nonce the token's `authorizationState(wallet, nonce)` reports
    ///   as used: it was paid, so its value stays counted.
    /// @param digest is the authorization's digest
    /// @custom:fix nothing to release: the payment happened (see the token's `AuthorizationUsed` event).
    /// @custom:sdk-message x402 authorization {digest:hex} was settled (or cancelled) on the token
    /// @custom:sdk-fix Nothing to release: the payment happened.
    error TierGuardX402AuthorizationUsed(bytes32 digest);

}
