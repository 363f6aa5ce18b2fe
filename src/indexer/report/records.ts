/**
 * Where the report's per-record tables (supervised, collaborative, blocked) are kept while it is built: in memory
 * (`memoryRecords`, sorted at the end: records may come in any order), or in a file of JSON lines
 * (`fileRecords`, for reports streamed from a store: records come in chain order, so only one block's records
 * are held at a time). Either way the renderers get a `RecordList`: iterable (again and again) with a length.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Hex } from "viem";
import type { RecordList } from "./model";

/** A record's chain position: its submission's block, then its intent id. */
export interface Ordered {
  intentId: Hex;
  submitBlock?: bigint;
  blockNumber?: bigint;
}

export interface RecordSink<T extends Ordered> {
  push(r: T): void;
  /** The records in chain order (no push after this). */
  finish(): RecordList<T>;
}

const blockOf = (r: Ordered) => r.submitBlock ?? r.blockNumber ?? 0n;
export const chainOrder = (a: Ordered, b: Ordered) => {
  const x = blockOf(a);
  const y = blockOf(b);
  return x < y ? -1 : x > y ? 1 : a.intentId < b.intentId ? -1 : a.intentId > b.intentId ? 1 : 0;
};

export function memoryRecords<T extends Ordered>(): RecordSink<T> {
  const list: T[] = [];
  return { push: (r) => void list.push(r), finish: () => list.sort(chainOrder) };
}

const toText = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
/** A record read back: its bigint fields (written as decimal strings) made bigints again. */
function fromText(line: string): unknown {
  const r = JSON.parse(line) as Record<string, unknown> & { chain?: Record<string, unknown>[] };
  for (const k of ["amount", "submitBlock", "blockNumber"]) if (typeof r[k] === "string") r[k] = BigInt(r[k] as string);
  for (const step of r.chain ?? []) step.blockNumber = BigInt(step.blockNumber as string);
  return r;
}

/** Reads a file of JSON lines in 64 KiB chunks. */
function* readLines(file: string): Generator<string> {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(1 << 16);
    // a character's bytes may straddle two chunks: the decoder keeps the first part until the rest comes
    const utf8 = new StringDecoder("utf8");
    let rest = "";
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const lines = (rest + utf8.write(buf.subarray(0, n))).split("\n");
      rest = lines.pop()!;
      yield* lines;
    }
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/**
 * Records written to `file` as JSON lines. They must be pushed in order of their submission block (a report
 * streamed from a store pages its intents in chain order); each block's records are sorted by intent id.
 */
export function fileRecords<T extends Ordered>(file: string): RecordSink<T> {
  let fd: number | undefined; // opened at the first write
  let block: T[] = [];
  let current: bigint | undefined;
  let length = 0;
  const flush = () => {
    if (block.length === 0) return;
    block.sort(chainOrder);
    fd ??= openSync(file, "w");
    writeSync(fd, block.map((r) => JSON.stringify(r, toText)).join("\n") + "\n");
    length += block.length;
    block = [];
  };
  return {
    push(r) {
      const b = blockOf(r);
      if (current !== undefined && b !== current) {
        if (b < current) throw new Error(`report records out of chain order: block ${b} after ${current}`);
        flush();
      }
      current = b;
      block.push(r);
    },
    finish() {
      flush();
      if (fd !== undefined) closeSync(fd);
      return {
        length,
        *[Symbol.iterator]() {
          if (length === 0) return;
          for (const line of readLines(file)) yield fromText(line) as T;
        },
      };
    },
  };
}
