/**
 * x402 on the local chain with the official packages: an API behind `@x402/hono`, an in-process facilitator
 * (`@x402/core` + `@x402/evm`) settling `transferWithAuthorization` on an EIP-3009 token modelled on USDC v2.2,
 * and a payer using `@x402/fetch`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erc20Abi, type Address } from "viem";
import { wrapFetchWithPayment, x402Client, decodePaymentResponseHeader } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { mockEip3009TokenAbi } from "../../src/abi/MockEIP3009Token";
import { account, clients, type Clients } from "./helpers/chain";
import { deployEip3009Token, startX402Api, type X402Api } from "./helpers/x402-api";

let c: Clients;
let token: Address;
let api: X402Api;
const seller = account(15).address;
const payer = account(16);

const balance = (who: Address) =>
  c.publicClient.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [who] });

beforeAll(async () => {
  c = clients();
  token = await deployEip3009Token(c.publicClient.chain!, c.transport, account(0));
  const hash = await c
    .walletFor(account(0))
    .writeContract({
      address: token,
      abi: mockEip3009TokenAbi,
      functionName: "mint",
      args: [payer.address, 10_000_000n],
    });
  await c.publicClient.waitForTransactionReceipt({ hash });
  api = await startX402Api({
    chain: c.publicClient.chain!,
    transport: c.transport,
    facilitator: account(17),
    token,
    payTo: seller,
    prices: { "/weather": 20_000n },
  });
});

afterAll(async () => {
  await api?.close();
});

describe("x402 exact payments on the local chain", () => {
  it("an unpaid request gets 402 with the exact-scheme requirements", async () => {
    const res = await fetch(`${api.url}/weather`);
    expect(res.status).toBe(402);
  });

  it("a plain EOA pays with @x402/fetch: 402, then 200 once the facilitator settled transferWithAuthorization", async () => {
    const client = new x402Client()
      .register(api.network, new ExactEvmScheme(payer))
      .setSpendControls({ allowedAssets: true });
    const pay = wrapFetchWithPayment(fetch, client);
    const before = await balance(seller);
    const res = await pay(`${api.url}/weather`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: "/weather", paid: true });
    const settled = decodePaymentResponseHeader(res.headers.get("PAYMENT-RESPONSE")!);
    expect(settled).toMatchObject({ success: true, payer: payer.address });
    expect(await balance(seller)).toBe(before + 20_000n);
    const receipt = await c.publicClient.getTransactionReceipt({ hash: settled.transaction as `0x${string}` });
    expect(receipt.status).toBe("success");
  });
});
