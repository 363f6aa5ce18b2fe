/**
 * An agent process for the kill-between-send-and-confirm test: pays once with an idempotency key and prints
 * `sending` before it does. The test kills it while its transaction waits in the mempool.
 *
 *   node --import tsx test/sdk/helpers/agent-child.ts <rpcUrl> <wallet> <token> <recipient> <idempotencyKey>
 * (the session key comes from TIERGUARD_AGENT_KEY)
 */
import { createPublicClient, createWalletClient, http, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createAgentClient } from "../../../src/client/agent";

const [rpcUrl, wallet, token, recipient, idempotencyKey] = process.argv.slice(2);

async function main() {
  const transport = http(rpcUrl);
  const account = privateKeyToAccount(process.env.TIERGUARD_AGENT_KEY as Hex);
  const agent = createAgentClient({
    publicClient: createPublicClient({ chain: hardhat, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ chain: hardhat, transport, account }),
    wallet: wallet as Address,
    token: token as Address,
  });
  process.stdout.write("sending\n");
  const r = await agent.authorize({ amount: "0.50", category: "embeddings", recipient, justification: "embeddings batch", idempotencyKey });
  process.stdout.write(`confirmed ${r.intentId}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
