/**
 * A stored log's arguments decoded again from its topics and data, as the sync stores them (`jsonSafe`: bigints as
 * decimal strings). The submissions, kept in their intents' rows, store no decoded arguments: they are read back here.
 */
import { decodeEventLog, type Hex } from "viem";
import { tierGuardWalletAbi } from "../../abi/TierGuardWallet";
import { jsonSafe } from "./sql";

export function decodeStoredArgs(topics: readonly Hex[], data: Hex): Record<string, unknown> {
  const d = decodeEventLog({ abi: tierGuardWalletAbi, data, topics: topics as [Hex, ...Hex[]], strict: true });
  return jsonSafe(d.args ?? {}) as Record<string, unknown>;
}
