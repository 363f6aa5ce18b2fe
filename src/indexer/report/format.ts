/** Value and time formats shared by the report, its renderers and the alerts. */
import { hexToString, type Hex } from "viem";

/** A moment: unix seconds (number or bigint) or a Date. */
export type ReportTime = number | bigint | Date;

const SCALE = 1_000_000n;

/** Reference units (6 decimals) as a fixed decimal string: `47000000n` → `"47.000000"`. */
export function formatReferenceUnits(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  return `${neg ? "-" : ""}${a / SCALE}.${(a % SCALE).toString().padStart(6, "0")}`;
}

/** The inverse of `formatReferenceUnits` (accepts up to 6 decimals). */
export function parseReferenceUnits(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{0,6}))?$/.exec(s.trim());
  if (!m) throw new Error(`not a reference-unit amount: ${s}`);
  const v = BigInt(m[2]) * SCALE + BigInt((m[3] ?? "").padEnd(6, "0") || "0");
  return m[1] ? -v : v;
}

export const toUnixSeconds = (t: ReportTime): number => (t instanceof Date ? Math.floor(t.getTime() / 1000) : Number(t));

/** `2026-06-27T10:00:00Z` */
export const isoUtc = (ts: number): string => new Date(ts * 1000).toISOString().replace(".000Z", "Z");
export const utcDay = (ts: number): string => new Date(ts * 1000).toISOString().slice(0, 10);

/** An agent id as text when its bytes are printable ASCII (ids made with `stringToHex(name, { size: 32 })`). */
export function agentLabel(agentId: Hex): string {
  try {
    const text = hexToString(agentId).replace(/\0+$/, "");
    if (text.length > 0 && /^[\x20-\x7e]+$/.test(text)) return text;
  } catch {
    // not text
  }
  return agentId;
}
