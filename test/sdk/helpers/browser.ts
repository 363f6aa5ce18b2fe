/**
 * Headless Chromium for page tests: Debian's `chromium` (or CHROMIUM_BIN) driven by playwright-core, nothing
 * downloaded. `withProvider` gives a browser context an injected EIP-1193 provider (`window.ethereum`) backed by
 * a test key: accounts, chain id, eth_signTypedData_v4 and eth_sendTransaction go to a viem account on the
 * local node, everything else to the node itself.
 */
import { spawnSync } from "node:child_process";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { numberToHex, type HDAccount, type Hex } from "viem";
import type { Clients } from "./chain";

export const CI = !!process.env.CI;

export const CHROMIUM: string | undefined = (() => {
  const candidates = process.env.CHROMIUM_BIN ? [process.env.CHROMIUM_BIN] : ["/usr/bin/chromium", "chromium", "chromium-browser"];
  for (const bin of candidates) {
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 20_000 });
    if (r.status === 0) return bin;
  }
  return undefined;
})();

/** The browser, or a clear failure (CI) / a loud skip notice (a developer machine without Chromium). */
export async function launchChromium(testFile: string): Promise<Browser | undefined> {
  if (!CHROMIUM) {
    const msg = `${testFile}: Chromium not found. Install it (Debian: apt-get install -y chromium) or set CHROMIUM_BIN.`;
    if (CI) throw new Error(msg);
    console.warn(`${msg} The browser tests are SKIPPED.`);
    return undefined;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

const PROVIDER_SCRIPT = `
  window.ethereum = {
    isTierGuardTest: true,
    request: ({ method, params }) => window.__eip1193(method, params || []),
    on: () => undefined,
    removeListener: () => undefined,
  };
`;

/** A fresh browser context whose page has `window.ethereum` signing and sending with `signer`. */
export async function withProvider(browser: Browser, c: Clients, signer: HDAccount): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const wallet = c.walletFor(signer);
  const chainId = await c.publicClient.getChainId();
  let connected = false; // like a real wallet: no account until the page asks for one
  await context.exposeBinding("__eip1193", async (_source, method: string, params: unknown[]) => {
    switch (method) {
      case "eth_requestAccounts":
        connected = true;
        return [signer.address];
      case "eth_accounts":
        return connected ? [signer.address] : [];
      case "eth_chainId":
        return numberToHex(chainId);
      case "eth_signTypedData_v4": {
        // JSON carries integers as decimal strings (as wallets accept them): back to bigints for viem
        const typed = JSON.parse(params[1] as string);
        const { EIP712Domain: _domain, ...types } = typed.types;
        const message = { ...typed.message };
        for (const f of types[typed.primaryType] as { name: string; type: string }[]) {
          if (/^u?int\d*$/.test(f.type)) message[f.name] = BigInt(message[f.name]);
        }
        return signer.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message });
      }
      case "eth_sendTransaction": {
        const tx = params[0] as { to: Hex; data: Hex };
        return wallet.sendTransaction({ to: tx.to, data: tx.data });
      }
      default:
        return c.publicClient.request({ method: method as "eth_blockNumber", params: params as never });
    }
  });
  await context.addInitScript(PROVIDER_SCRIPT);
  return context;
}
