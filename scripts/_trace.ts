import hre from "hardhat";
import { cat, deployArticle, usd, signApprovals, decodeSubmission } from "./lib/article";
async function trace(label: string, tx: any) {
  const rc = await tx.wait();
  const data = hre.ethers.getBytes(tx.data);
  let cd = 0; for (const b of data) cd += b === 0 ? 4 : 16;
  const t = await hre.network.provider.send("debug_traceTransaction", [rc!.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
  let d1 = 0; const ops: Record<string, number> = {}; let compute = 0;
  for (let i = 0; i < t.structLogs.length; i++) { const l = t.structLogs[i]; if (l.depth === 1) { if (["CALL","STATICCALL"].includes(l.op)) { } else { d1 += l.gasCost; ops[l.op] = (ops[l.op] ?? 0) + l.gasCost; if (!["SLOAD","SSTORE","LOG1","LOG2","LOG3","LOG4","EXTCODESIZE"].includes(l.op)) compute += l.gasCost; } } }
  console.log(label, "gasUsed", rc.gasUsed, "calldata", cd, "depth1", d1, "compute", compute, "calls", Number(rc.gasUsed) - 21000 - cd - d1);
  console.log("  ", Object.entries(ops).sort((a,b)=>b[1]-a[1]).slice(0,10).map(([k,v])=>k+":"+v).join(" "));
  return rc;
}
async function main() {
  const d = await deployArticle(hre);
  const u = await d.usdc.getAddress();
  const J = "EURC liquidity analysis for MiCA compliance report";
  const w = d.wallet.connect(d.agentKey);
  await (await w.submit(u, 20000n, d.vendors.embeddings, cat("embeddings"), J)).wait();
  await trace("auto", await w.submit(u, 20000n, d.vendors.embeddings, cat("embeddings"), J));
  const s0 = await decodeSubmission(d.wallet, await (await w.submit(u, usd("47"), d.vendors.compute, cat("compute"), J)).wait());
  await hre.network.provider.send("evm_increaseTime", [31]);
  await (await d.wallet.execute(s0.intentId, s0.pending!)).wait();
  const s = await decodeSubmission(d.wallet, await trace("supSubmit", await w.submit(u, usd("47"), d.vendors.compute, cat("compute"), J)));
  await hre.network.provider.send("evm_increaseTime", [31]);
  await trace("supExec", await d.wallet.execute(s.intentId, s.pending!));
  const c0 = await decodeSubmission(d.wallet, await (await w.submit(u, usd("89"), d.vendors.analysisAgent, cat("agent_hire"), J)).wait());
  await (await d.wallet.approveWithSignatures(c0.intentId, c0.pending!, await signApprovals(d.wallet, d.owners.slice(0,2), c0.intentId, c0.pending!))).wait();
  const c = await decodeSubmission(d.wallet, await trace("colSubmit", await w.submit(u, usd("89"), d.vendors.analysisAgent, cat("agent_hire"), J)));
  const sigs = await signApprovals(d.wallet, d.owners.slice(0,2), c.intentId, c.pending!);
  await trace("colExec", await d.wallet.approveWithSignatures(c.intentId, c.pending!, sigs));
}
main();
