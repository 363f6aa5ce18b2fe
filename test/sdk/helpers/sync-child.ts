/**
 * A tiny indexer process for the kill-and-restart test: syncs one wallet into an on-disk PGlite data directory
 * and prints one line per committed range (`progress <rangeTo> <checkpoint>`), then `done <checkpoint>`.
 *
 *   node --import tsx test/sdk/helpers/sync-child.ts <rpcUrl> <wallet> <fromBlock> <toBlock> <dataDir> <maxRange> [pauseMs]
 *
 * `pauseMs` sleeps after each committed range (so that a kill lands mid-backfill).
 */
import { PGlite } from "@electric-sql/pglite";
import { createPublicClient, http, type Address } from "viem";
import { hardhat } from "viem/chains";
import { openStore, syncOnce } from "../../../src/indexer";

const [rpcUrl, wallet, from, to, dataDir, maxRange, pauseMs = "0"] = process.argv.slice(2);

async function main() {
  const db = new PGlite(dataDir);
  const store = await openStore(db);
  process.stdout.write(`open ${(await store.getCheckpoint(wallet as Address))?.blockNumber ?? "none"}\n`);
  const publicClient = createPublicClient({ chain: hardhat, transport: http(rpcUrl, { retryCount: 0 }) });
  const res = await syncOnce({
    publicClient,
    wallet: wallet as Address,
    store,
    fromBlock: BigInt(from),
    toBlock: BigInt(to),
    initialRange: BigInt(maxRange),
    maxRange: BigInt(maxRange),
    onProgress: async (p) => {
      process.stdout.write(`progress ${p.rangeTo} ${p.checkpoint}\n`);
      if (Number(pauseMs) > 0) await new Promise((r) => setTimeout(r, Number(pauseMs)));
    },
  });
  await db.close();
  process.stdout.write(`done ${res.checkpoint}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
