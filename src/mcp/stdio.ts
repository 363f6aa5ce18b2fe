/** Runs the TierGuard MCP server on stdin/stdout until the client closes the stream. */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createTierGuardMcpServer, type TierGuardMcpOptions } from "./server";

export async function serveStdio(options: TierGuardMcpOptions): Promise<void> {
  const server = await createTierGuardMcpServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once("end", () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
