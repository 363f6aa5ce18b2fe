/**
 * An x402-protected HTTP API on 127.0.0.1 for tests and benchmarks, built only from the official packages:
 * a Hono app behind `@x402/hono`'s payment middleware, and an in-process facilitator (`@x402/core`'s
 * x402Facilitator with `@x402/evm`'s exact scheme) that verifies and settles on the local chain with its own
 * gas account. Nothing here knows about TierGuard: it is what any x402 seller would run.
 * (No vitest imports: the x402 benchmark uses it too.)
 */
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { paymentMiddleware, x402ResourceServer } from "@x402/hono";
import { x402Facilitator } from "@x402/core/facilitator";
import type { FacilitatorClient } from "@x402/core/server";
import type { SettleResponse } from "@x402/core/types";
import { ExactEvmScheme as ExactEvmServerScheme } from "@x402/evm/exact/server";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { createWalletClient, publicActions, type Address, type Chain, type LocalAccount, type Transport } from "viem";
import { mockEip3009TokenAbi, mockEip3009TokenBytecode } from "../../../src/abi/MockEIP3009Token";

export interface X402ApiOptions {
  chain: Chain;
  transport: Transport;
  /** the facilitator's gas account (it submits transferWithAuthorization) */
  facilitator: LocalAccount;
  /** the EIP-3009 token paid in */
  token: Address;
  /** who the API is paid to (unless a route names its own payee) */
  payTo: Address;
  /** path -> price in the token's smallest unit, e.g. { "/weather": 20_000n }, or price and payee */
  prices: Record<string, bigint | { amount: bigint; payTo: Address }>;
  /** how long a payment authorization may stay valid (x402 maxTimeoutSeconds), default 300 */
  maxTimeoutSeconds?: number;
  /** the token's EIP-712 domain, default USDC's */
  domain?: { name: string; version: string };
}

export interface X402Api {
  url: string;
  network: `eip155:${number}`;
  /** every settlement the facilitator made, in order */
  settlements: SettleResponse[];
  close(): Promise<void>;
}

export async function startX402Api(o: X402ApiOptions): Promise<X402Api> {
  const network = `eip155:${o.chain.id}` as const;
  const client = createWalletClient({ chain: o.chain, transport: o.transport, account: o.facilitator, pollingInterval: 50 }).extend(
    publicActions,
  );
  const facilitator = registerExactEvmScheme(new x402Facilitator(), {
    signer: toFacilitatorEvmSigner(client as never, { confirmationTimeoutMs: 30_000 }),
    networks: network,
  });
  const settlements: SettleResponse[] = [];
  const local: FacilitatorClient = {
    verify: (payload, requirements) => facilitator.verify(payload, requirements),
    settle: async (payload, requirements) => {
      const r = await facilitator.settle(payload, requirements);
      settlements.push(r);
      return r;
    },
    // the facilitator lists its networks as plain strings; they are the CAIP-2 ids registered above
    getSupported: async () => facilitator.getSupported() as Awaited<ReturnType<FacilitatorClient["getSupported"]>>,
  };
  const server = new x402ResourceServer(local).register(network, new ExactEvmServerScheme());
  const domain = o.domain ?? { name: "USD Coin", version: "2" };
  const routes = Object.fromEntries(
    Object.entries(o.prices).map(([path, p]) => [
      `GET ${path}`,
      {
        accepts: {
          scheme: "exact",
          network,
          payTo: typeof p === "bigint" ? o.payTo : p.payTo,
          price: { asset: o.token, amount: (typeof p === "bigint" ? p : p.amount).toString(), extra: domain },
          maxTimeoutSeconds: o.maxTimeoutSeconds ?? 300,
        },
        description: `${path} (paid)`,
      },
    ]),
  );
  const app = new Hono();
  app.use(paymentMiddleware(routes, server));
  for (const path of Object.keys(o.prices)) app.get(path, (c) => c.json({ path, paid: true }));

  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    network,
    settlements,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

/** Deploys the EIP-3009 mock token (USDC v2.2's domain: "USD Coin", version "2"). */
export async function deployEip3009Token(
  chain: Chain,
  transport: Transport,
  from: LocalAccount,
  name = "USD Coin",
  symbol = "USDC",
): Promise<Address> {
  const client = createWalletClient({ chain, transport, account: from }).extend(publicActions);
  const hash = await client.deployContract({
    abi: mockEip3009TokenAbi,
    bytecode: mockEip3009TokenBytecode,
    args: [name, symbol, "2"],
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("token deployment produced no contract address");
  return receipt.contractAddress;
}
