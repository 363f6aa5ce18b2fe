/** Prints a benchmark's figures as a table, or as one JSON object when `--json` is on the command line. */
export type Figure = bigint | number;
/** [label, measured, target (a maximum) or undefined] */
export type Derived = [string, number, number | undefined];

export function printReport(name: string, figures: Record<string, Figure>, derived: Derived[] = []): void {
  if (process.argv.includes("--json")) {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(figures)) out[k] = Number(v);
    console.log(JSON.stringify(out));
    return;
  }
  const rows = Object.entries(figures).map(([k, v]) => [k, Number(v).toLocaleString("en-US")]);
  const w0 = Math.max(...rows.map((r) => r[0].length), 4);
  const w1 = Math.max(...rows.map((r) => r[1].length), 5);
  console.log(`\n${name}`);
  console.log(`${"case".padEnd(w0)}  ${"value".padStart(w1)}`);
  console.log(`${"-".repeat(w0)}  ${"-".repeat(w1)}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w0)}  ${v.padStart(w1)}`);
  if (derived.length) {
    console.log("");
    for (const [label, value, target] of derived) {
      const shown = value < 100 ? value.toFixed(3) : value.toLocaleString("en-US");
      const verdict =
        target === undefined
          ? ""
          : value <= target
            ? `  (target <= ${target}: met)`
            : `  (target <= ${target}: MISSED)`;
      console.log(`${label}: ${shown}${verdict}`);
    }
  }
}
