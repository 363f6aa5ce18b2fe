/** The command table: each command name of `spec.ts` mapped to its handler. */
import type { Context, Output } from "../context";
import type { Command, CommandArgs, CommandName } from "../spec";
import { auditFollow, auditReport, auditServe, auditSync, auditVerify } from "./audit";
import { consoleCommand } from "./console";
import { demo } from "./demo";
import { deploy } from "./deploy";
import { policyApply, policyPlan, policyShow, policyValidate } from "./policy";
import { keysGrant, keysList, keysRevoke } from "./keys";
import { agentAuthorize } from "./agent";
import { closer, ownerApprove, ownerPause, ownerPending, ownerSign, ownerSubmitSignatures, ownerUnpause } from "./owner";
import { intentExecute, intentExpire, intentShow } from "./intent";
import { mcp } from "./mcp";

type Handler<K extends CommandName> = (args: CommandArgs<K>, ctx: Context) => Promise<Output>;
type Handlers = { [K in CommandName]: Handler<K> };

export const HANDLERS: Handlers = {
  deploy,
  "policy validate": policyValidate,
  "policy plan": policyPlan,
  "policy apply": policyApply,
  "policy show": policyShow,
  "keys grant": keysGrant,
  "keys revoke": keysRevoke,
  "keys list": keysList,
  "agent authorize": agentAuthorize,
  "owner pending": ownerPending,
  "owner approve": ownerApprove,
  "owner sign": ownerSign,
  "owner submit-signatures": ownerSubmitSignatures,
  "owner veto": closer("veto", true),
  "owner reject": closer("reject", false),
  "owner pause": ownerPause,
  "owner unpause": ownerUnpause,
  "intent show": intentShow,
  "intent execute": intentExecute,
  "intent expire": intentExpire,
  "audit sync": auditSync,
  "audit report": auditReport,
  "audit verify": auditVerify,
  "audit follow": auditFollow,
  "audit serve": auditServe,
  console: consoleCommand,
  mcp,
  demo,
};

/** Runs a parsed command. */
export function execute(cmd: Command, ctx: Context): Promise<Output> {
  return (HANDLERS[cmd.name] as Handler<CommandName>)(cmd.args as never, ctx);
}
