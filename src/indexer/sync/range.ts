/**
 * The `eth_getLogs` range size, learned from the node's limits and remembered in the store.
 *
 * Nodes refuse a range for two different reasons, and the sizer learns each as its own limit:
 *
 * - a block-span limit ("block range too large, max 2000", or a suggested `[from, to]`): `maxSpan`, blocks;
 * - a result limit ("query returned more than 10000 results", an HTTP response over the client's size cap, or a
 *   timeout): `maxLogs`, logs per answer. The next span is then chosen from the log density of the last range,
 *   so a dense stretch of history is read in short ranges and a sparse one in long ranges.
 *
 * Both limits are stored with the current size (`SyncHints`), so a later run starts at a size the node serves
 * instead of rediscovering the limits with oversized requests. An empty answer never grows the range (it says
 * nothing about what the node can serve). Below the node's limits a range aims at `targetLogs` logs: enough to
 * amortise a request, few enough that the next range is read while this one is written.
 */
import type { RangeTooLargeError } from "../errors";
import type { SyncHints } from "../store/types";

export interface RangeSizerOptions {
  initial: bigint;
  min: bigint;
  max: bigint;
  hints?: SyncHints;
  /** logs a range aims at once the density is known (default 2000) */
  targetLogs?: number;
}

/** Share of a learned limit a range aims at, so that density changes within a range rarely hit the limit. */
const HEADROOM = 0.75;
/** A size ratio above this says only that the answer was over the cap (the client stopped reading there). */
const SIZE_UNKNOWN = 0.99;

export class RangeSizer {
  size: bigint;
  maxSpan?: bigint;
  maxLogs?: number;
  private readonly min: bigint;
  private readonly max: bigint;
  private readonly targetLogs: number;
  /** logs per block of the last non-empty range */
  private density = 0;
  /** a result-size refusal whose log count is not known yet: settled by the next success */
  private pending?: { span: bigint; ratio: number };
  /** set when a limit was learned since the last `takeChanged()` */
  private changed = false;

  constructor(o: RangeSizerOptions) {
    this.min = o.min;
    this.max = o.max;
    this.targetLogs = o.targetLogs ?? 2000;
    this.maxSpan = o.hints?.maxSpan;
    this.maxLogs = o.hints?.maxLogs;
    this.size = this.clamp(o.initial);
  }

  private clamp(x: bigint): bigint {
    let s = x;
    if (this.maxSpan !== undefined && s > this.maxSpan) s = this.maxSpan;
    if (s > this.max) s = this.max;
    if (s < this.min) s = this.min;
    return s;
  }

  /** The span that holds the logs a range aims at, at the last density (undefined: density unknown). */
  private spanForLogs(): bigint | undefined {
    if (this.density <= 0) return undefined;
    const logs = this.maxLogs === undefined ? this.targetLogs : Math.min(this.targetLogs, this.maxLogs * HEADROOM);
    return BigInt(Math.max(1, Math.floor(logs / this.density)));
  }

  /**
   * The node refused `span` blocks. Returns false when the range is already at the minimum (the refusal is then
   * a plain fault to retry).
   */
  refused(span: bigint, e: RangeTooLargeError): boolean {
    if (span <= this.min) return false;
    this.changed = true;
    if (e.suggestedSpan !== undefined && e.suggestedSpan < span) {
      this.maxSpan = this.maxSpan === undefined || e.suggestedSpan < this.maxSpan ? e.suggestedSpan : this.maxSpan;
      this.size = this.clamp(e.suggestedSpan);
      return true;
    }
    const unknownSize = e.sizeRatio !== undefined && e.sizeRatio > SIZE_UNKNOWN;
    /** share of the refused answer the node could serve (a guess of a half when the size is unknown) */
    const ratio = e.sizeRatio !== undefined && !unknownSize ? e.sizeRatio : 0.5;
    if (e.maxLogs !== undefined) {
      this.maxLogs = this.maxLogs === undefined ? e.maxLogs : Math.min(this.maxLogs, e.maxLogs);
    } else if (e.limit === "logs" && this.density > 0) {
      // the range held about density * span logs; the node could serve `ratio` of them
      const logs = this.density * Number(span) * ratio;
      this.maxLogs = Math.max(1, Math.floor(this.maxLogs === undefined ? logs : Math.min(this.maxLogs, logs)));
    } else if (e.limit === "logs") {
      this.pending = { span, ratio };
    } else if (e.limit === "span") {
      // a span limit it did not name: below this span
      const half = span / 2n;
      this.maxSpan = this.maxSpan === undefined || half < this.maxSpan ? half : this.maxSpan;
    } else {
      this.changed = false; // a timeout or an unnamed refusal: read less now, learn nothing
    }
    // A client that stops reading at its cap reports the bytes read so far, not the answer's size: the answer may be
    // many times the cap. Each refusal costs the node a full answer, so such a refusal cuts the span to a quarter
    // (an undershoot only costs a few short ranges until the density is known).
    const byRatio =
      e.sizeRatio !== undefined && !unknownSize
        ? BigInt(Math.floor(Number(span) * e.sizeRatio * HEADROOM))
        : unknownSize
          ? span / 4n
          : span / 2n;
    const byLogs = this.spanForLogs();
    const next = byLogs !== undefined && byLogs < byRatio ? byLogs : byRatio;
    this.size = this.clamp(next < span ? next : span / 2n);
    if (this.size >= span) this.size = span / 2n < this.min ? this.min : span / 2n;
    return true;
  }

  /** A range of `span` blocks answered `logs` logs; `fast`: it took less than the growth threshold. */
  succeeded(span: bigint, logs: number, fast: boolean, full: boolean): void {
    if (logs === 0) return; // an empty answer says nothing about what the node can serve
    this.density = logs / Number(span);
    if (this.pending) {
      // the refused range held about density * span logs
      this.maxLogs = Math.max(1, Math.floor(this.density * Number(this.pending.span) * this.pending.ratio));
      this.pending = undefined;
      this.changed = true;
    }
    const byLogs = this.spanForLogs()!;
    // grow at most 4x per range (density changes along the history), and only after a fast, full range
    const grow = fast && full ? span * 4n : span;
    this.size = this.clamp(byLogs > grow ? grow : byLogs);
  }

  hints(): SyncHints {
    return { rangeSize: this.size, maxSpan: this.maxSpan, maxLogs: this.maxLogs };
  }

  /** True once after each learned limit (the caller then saves the hints). */
  takeChanged(): boolean {
    const c = this.changed;
    this.changed = false;
    return c;
  }
}
