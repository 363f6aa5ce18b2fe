/**
 * Entry point: `tsx src/cli/main.ts <command> ...` (or `bin/tierguard.js`). Runs the CLI and sets the exit code.
 */
import { run } from "./runner";

run(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
}).then(
  (code) => {
    // Open HTTP keep-alive sockets must not hold the process: leave once the output is flushed.
    process.stdout.write("", () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`unexpected error: ${String(e)}\n`);
    process.exit(1);
  },
);
