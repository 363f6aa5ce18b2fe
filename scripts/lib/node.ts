/** A `hardhat node` for benchmarks and tests: started on 127.0.0.1 (a free port), stopped by the returned function. */
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";

/**
 * Starts `hardhat node` on 127.0.0.1 (a free port) and returns its URL and a stopper. `config`: another Hardhat
 * config file (e.g. one whose `hardhat` network has another chain id).
 */
export async function startNode(opts: { config?: string } = {}) {
  const port = await new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
  const bin = path.join(__dirname, "..", "..", "node_modules", ".bin", "hardhat");
  const args = [
    ...(opts.config ? ["--config", opts.config] : []),
    "node",
    "--hostname",
    "127.0.0.1",
    "--port",
    String(port),
  ];
  const child = spawn(bin, args, { cwd: path.join(__dirname, "..", ".."), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until || child.exitCode !== null) {
      await stop();
      throw new Error(`hardhat node did not start on ${url}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, stop };
}
