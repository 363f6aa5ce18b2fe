/**
 * Decimal amounts and durations as policy files write them, and back.
 *
 * Amounts are decimal strings ("50.00"), never floats: a float cannot say "0.1" exactly, and a policy that
 * moves money must mean exactly what it says. Durations are an integer with a unit ("30s", "15m", "4h", "7d").
 */

/** The wallet's reference unit: 6 decimals (1.00 = 1_000_000). Fixed by the contract. */
export const REFERENCE_DECIMALS = 6;
/** Fixed token prices are stored with 18 decimals. */
export const PRICE_DECIMALS = 18;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** What to write instead of a number: `1` -> `"1.00"`, `0.5` -> `"0.5"`. */
export function quotedAmountHint(n: number): string {
  return Number.isInteger(n) ? `"${n}.00"` : `"${n}"`;
}

/**
 * Parses a non-negative decimal string into an integer with `decimals` decimals.
 * `what` names the unit in messages ("the reference currency", "a fixed price").
 */
export function parseDecimal(input: unknown, decimals: number, what = "the reference currency"): Parsed<bigint> {
  if (typeof input === "number") {
    return {
      ok: false,
      error: `got the number ${input}; write amounts as quoted decimal strings, e.g. ${quotedAmountHint(input)} (numbers lose precision)`,
    };
  }
  if (typeof input === "bigint") {
    return { ok: false, error: `got the number ${input}; write amounts as quoted decimal strings, e.g. "${input}.00"` };
  }
  if (typeof input !== "string") {
    return { ok: false, error: `expected a decimal string such as "1.00", got ${describe(input)}` };
  }
  const text = input.trim();
  if (text.startsWith("-")) return { ok: false, error: `"${input}" is negative; amounts must be 0 or more` };
  const m = DECIMAL.exec(text);
  if (!m) return { ok: false, error: `"${input}" is not a decimal amount; write digits with an optional fraction, e.g. "50.00"` };
  const [, whole, frac = ""] = m;
  if (frac.length > decimals) {
    return { ok: false, error: `"${input}" has more decimals than ${what} allows (${decimals})` };
  }
  return { ok: true, value: BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0") };
}

/** Formats an integer with `decimals` decimals, keeping at least two fraction digits: 50_000_000n -> "50.00". */
export function formatDecimal(value: bigint, decimals = REFERENCE_DECIMALS): string {
  const neg = value < 0n;
  const v = neg ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = v / base;
  let frac = (v % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  if (frac.length < 2 && decimals >= 2) frac = frac.padEnd(2, "0");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** Reference-currency amount from a decimal string; throws on bad input (for code, not for files). */
export function referenceUnits(text: string): bigint {
  const r = parseDecimal(text, REFERENCE_DECIMALS);
  if (!r.ok) throw new RangeError(r.error);
  return r.value;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(\d+)\s*([smhdw])$/;

/** Parses "30s", "15m", "4h", "24h", "7d", "2w" into seconds (> 0). */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    return { ok: false, error: `got the number ${input}; write durations as strings with a unit, e.g. "${input}s" (s, m, h, d, w)` };
  }
  if (typeof input !== "string") {
    return { ok: false, error: `expected a duration such as "30s", "15m", "4h" or "7d", got ${describe(input)}` };
  }
  const m = DURATION.exec(input.trim());
  if (!m) {
    return { ok: false, error: `"${input}" is not a duration; write a whole number with a unit s, m, h, d or w (e.g. "30s", "15m", "4h", "7d")` };
  }
  const seconds = Number(m[1]) * UNITS[m[2]];
  if (seconds <= 0) return { ok: false, error: `"${input}" is zero; durations must be positive` };
  if (!Number.isSafeInteger(seconds)) return { ok: false, error: `"${input}" is too long` };
  return { ok: true, value: seconds };
}

/** Seconds -> the largest unit that divides them: 30 -> "30s", 3600 -> "1h", 86400 -> "1d". */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return "0s";
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60]] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return `"${v}"`;
  return `${typeof v} ${String(v)}`;
}
