import hre from "hardhat";
import fs from "fs";
import { cat, deployArticle } from "./lib/article";
async function main() {
  const d = await deployArticle(hre);
  const u = await d.usdc.getAddress();
  const J = "EURC liquidity analysis for MiCA compliance report";
  const w = d.wallet.connect(d.agentKey);
  await (await w.submit(u, 20000n, d.vendors.embeddings, cat("embeddings"), J)).wait();
  const rc = await (await w.submit(u, 20000n, d.vendors.embeddings, cat("embeddings"), J)).wait();
  const t = await hre.network.provider.send("debug_traceTransaction", [rc!.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
  fs.writeFileSync("/tmp/trace.json", JSON.stringify(t));
}
main();
