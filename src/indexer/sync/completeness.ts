/**
 * An empty `eth_getLogs` answer is not taken on trust: a node that drops logs (a lagging replica, a load balancer
 * in front of several nodes, a bug) answers `[]` exactly like a node with nothing to say. Every block header
 * carries a 2048-bit log bloom that names each address that logged in the block, so an empty answer is accepted
 * only when no block of the range names the wallet. A block whose bloom does name it (a bloom can also match by
 * chance) is settled by its receipts, which list every log of the block.
 */
import { keccak256, type Address, type Hex } from "viem";
import { chainBlocks, mapLimit, rpc, type ChainBlock, type Ctx } from "./rpc";

/** True when the bloom may contain `address` (false: it certainly does not). */
export function bloomMayContain(bloom: Hex, address: Address): boolean {
  const h = keccak256(address.toLowerCase() as Hex, "bytes");
  const bytes = bloom.slice(2);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i] << 8) | h[i + 1]) & 2047;
    const byteIndex = 255 - Math.floor(bit / 8);
    const byte = parseInt(bytes.slice(byteIndex * 2, byteIndex * 2 + 2), 16);
    if ((byte & (1 << (bit % 8))) === 0) return false;
  }
  return true;
}

/** The node answered `[]` for a range in which the chain shows logs of the wallet. */
export class UntrustedEmptyAnswer extends Error {
  constructor(readonly blockNumber: bigint) {
    super(`eth_getLogs answered no log for a range whose block ${blockNumber} holds logs of the wallet`);
  }
}

/** Receipts of a block: `eth_getBlockReceipts` where the node has it, else one receipt per transaction. */
async function blockLogAddresses(ctx: Ctx, n: bigint): Promise<string[]> {
  const client = ctx.opts.publicClient;
  try {
    const receipts = (await rpc(ctx, "getBlockReceipts", () =>
      client.request({ method: "eth_getBlockReceipts" as never, params: [`0x${n.toString(16)}`] as never }),
    )) as { logs: { address: string }[] }[] | null;
    if (receipts) return receipts.flatMap((r) => r.logs.map((l) => l.address.toLowerCase()));
  } catch {
    // not supported by this node: read the receipts one by one
  }
  const block = await rpc(ctx, "getBlock", () => client.getBlock({ blockNumber: n }));
  const receipts = await mapLimit(block.transactions as Hex[], ctx.opts.concurrency ?? 8, (hash) =>
    rpc(ctx, "getTransactionReceipt", () => client.getTransactionReceipt({ hash })),
  );
  return receipts.flatMap((r) => r.logs.map((l) => l.address.toLowerCase()));
}

/**
 * Checks an empty answer for `[from, to]`: reads the headers of the range (those in `known` are reused) and, for
 * any whose bloom names the wallet, the receipts. Throws `UntrustedEmptyAnswer` when the chain has a wallet log
 * in the range. Returns the headers it read.
 */
export async function confirmEmpty(
  ctx: Ctx,
  wallet: Address,
  from: bigint,
  to: bigint,
  known: ReadonlyMap<bigint, ChainBlock>,
): Promise<void> {
  const numbers: bigint[] = [];
  for (let n = from; n <= to; n++) numbers.push(n);
  const missing = numbers.filter((n) => !known.has(n));
  const read = await chainBlocks(ctx, missing);
  const got = new Map(missing.map((n, i) => [n, read[i]]));
  const headers = numbers.map((n) => known.get(n) ?? got.get(n));
  const suspects = headers.filter(
    (h): h is ChainBlock => h !== undefined && (h.logsBloom === null || bloomMayContain(h.logsBloom, wallet)),
  );
  const w = wallet.toLowerCase();
  for (const h of suspects) {
    const addresses = await blockLogAddresses(ctx, h.number);
    if (addresses.includes(w)) throw new UntrustedEmptyAnswer(h.number);
  }
}
