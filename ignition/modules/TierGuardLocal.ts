import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import LocalMocksModule from "./LocalMocks";
import TierGuardModule from "./TierGuard";

/**
 * A local TierGuard setup: the wallet (module "TierGuard", same parameters) plus the mock tokens and
 * EUR/USD feed (module "LocalMocks"). Configuring the wallet to accept the tokens is left to the caller,
 * since it needs the owners' M-of-N `ownerAction` signatures.
 */
export const TierGuardLocalModule = buildModule("TierGuardLocal", (m) => {
  const { wallet } = m.useModule(TierGuardModule);
  const { usdc, eurc, eurUsdFeed } = m.useModule(LocalMocksModule);

  return { wallet, usdc, eurc, eurUsdFeed };
});

export default TierGuardLocalModule;
