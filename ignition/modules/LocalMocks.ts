import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** EUR/USD = 1.08 with 8 decimals. */
const EUR_USD_ANSWER = 108_000_000n;

/**
 * Deploys local stand-ins for the tokens and price feed a TierGuard wallet uses: mock USDC and EURC
 * (6 decimals, mintable by anyone) and an EUR/USD price feed (8 decimals, 1.08). For local networks only.
 */
export const LocalMocksModule = buildModule("LocalMocks", (m) => {
  const usdc = m.contract("MockERC20", ["Mock USD Coin", "USDC", 6], { id: "USDC" });
  const eurc = m.contract("MockERC20", ["Mock Euro Coin", "EURC", 6], { id: "EURC" });
  const eurUsdFeed = m.contract("MockPriceFeed", [8, EUR_USD_ANSWER], { id: "EurUsdFeed" });

  return { usdc, eurc, eurUsdFeed };
});

export default LocalMocksModule;
