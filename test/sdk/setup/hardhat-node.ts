/**
 * Vitest global setup: starts a `hardhat node` on 127.0.0.1 (a free port) for the SDK tests and stops it
 * afterwards. Tests read its URL with `inject("rpcUrl")`.
 */
import type { TestProject } from "vitest/node";
import { ensureBuilt } from "../helpers/build";
import { startNode } from "../../../scripts/lib/node";

declare module "vitest" {
  export interface ProvidedContext {
    rpcUrl: string;
  }
}

export default async function setup(project: TestProject) {
  // Tests spawn bin/tierguard.js, which runs the compiled CLI when there is one: never a stale one.
  ensureBuilt("cli");
  const node = await startNode();
  project.provide("rpcUrl", node.url);
  return node.stop;
}
