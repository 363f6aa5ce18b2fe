/** Small text helpers the commands share for their human-readable output. */
import { hexToString, type Hex } from "viem";

export const short = (a: string) => `${a.slice(0, 6)}..${a.slice(-4)}`;
export const iso = (unixSeconds: number | bigint) => new Date(Number(unixSeconds) * 1000).toISOString().replace(".000Z", "Z");
const pad = (s: string, n: number) => s.padEnd(n);
export const rows = (pairs: [string, string][]) => {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${pad(`${k}:`, w)}${v}`);
};
export const bytes32Name = (h: Hex) => {
  try {
    const s = hexToString(h, { size: 32 }).replace(/\0+$/, "");
    return /^[\x20-\x7e]+$/.test(s) ? s : h;
  } catch {
    return h;
  }
};

export function settleLines(r: { txHash: Hex; executed: boolean; refusal?: { reason: string; closed: boolean } }, what: string): string[] {
  if (r.executed) return [`${what}: executed (paid)`, `tx: ${r.txHash}`];
  if (r.refusal) return [`${what}: refused (${r.refusal.reason}${r.refusal.closed ? ", closed" : ", may be retried"})`, `tx: ${r.txHash}`];
  return [`${what}: recorded, not executed yet`, `tx: ${r.txHash}`];
}
