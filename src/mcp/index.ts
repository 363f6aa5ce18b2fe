/**
 * TierGuard's MCP server: payment tools for an agent (`quote`, `pay`, `intent_status`, `limits`), over stdio
 * (`tierguard mcp`) or any transport of `@modelcontextprotocol/sdk`.
 */
export { createTierGuardMcpServer, describeTiers, MCP_SERVER_NAME, type TierGuardMcpOptions } from "./server";
export { tierLimits, LIMIT_TIERS, type TierLimits, type LimitTier, type LimitsContext } from "./limits";
export type { PaymentOutcome, PaymentState } from "./outcome";
export { serveStdio } from "./stdio";
