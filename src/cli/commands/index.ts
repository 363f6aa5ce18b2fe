/**
 * The command table: each command name of `spec.ts` mapped to its handler. A handler's module is imported when
 * its command runs, so a command never pays for loading the others (the indexer, the console's web server, ...).
 */
import type { Context, Output } from "../context";
import type { Command, CommandArgs, CommandName } from "../spec";

type Handler<K extends CommandName> = (args: CommandArgs<K>, ctx: Context) => Promise<Output>;
type Handlers = { [K in CommandName]: Handler<K> };

/** A handler whose module is loaded on first use. */
const lazy =
  <A>(load: () => Promise<(args: A, ctx: Context) => Promise<Output>>) =>
  async (args: A, ctx: Context) =>
    (await load())(args, ctx);

const audit = () => import("./audit");
const owner = () => import("./owner");
const policy = () => import("./policy");
const keys = () => import("./keys");
const intent = () => import("./intent");
const admin = () => import("./wallet-admin");
const keystore = () => import("./keystore");

export const HANDLERS: Handlers = {
  deploy: lazy(() => import("./deploy").then((m) => m.deploy)),
  "policy validate": lazy(() => policy().then((m) => m.policyValidate)),
  "policy plan": lazy(() => policy().then((m) => m.policyPlan)),
  "policy apply": lazy(() => policy().then((m) => m.policyApply)),
  "policy show": lazy(() => policy().then((m) => m.policyShow)),
  "keys grant": lazy(() => keys().then((m) => m.keysGrant)),
  "keys revoke": lazy(() => keys().then((m) => m.keysRevoke)),
  "keys list": lazy(() => keys().then((m) => m.keysList)),
  "agent authorize": lazy(() => import("./agent").then((m) => m.agentAuthorize)),
  "owner pending": lazy(() => owner().then((m) => m.ownerPending)),
  "owner approve": lazy(() => owner().then((m) => m.ownerApprove)),
  "owner sign": lazy(() => owner().then((m) => m.ownerSign)),
  "owner submit-signatures": lazy(() => owner().then((m) => m.ownerSubmitSignatures)),
  "owner inspect": lazy(() => owner().then((m) => m.ownerInspect)),
  "owner add-signature": lazy(() => owner().then((m) => m.ownerAddSignature)),
  "owner submit": lazy(() => owner().then((m) => m.ownerSubmit)),
  "owner veto": lazy(() => owner().then((m) => m.closer("veto", true))),
  "owner reject": lazy(() => owner().then((m) => m.closer("reject", false))),
  "owner pause": lazy(() => owner().then((m) => m.ownerPause)),
  "owner unpause": lazy(() => admin().then((m) => m.ownerUnpause)),
  "owner withdraw": lazy(() => admin().then((m) => m.ownerWithdraw)),
  "owner add-guardian": lazy(() => admin().then((m) => m.ownerAddGuardian)),
  "owner remove-guardian": lazy(() => admin().then((m) => m.ownerRemoveGuardian)),
  "owner add-owner": lazy(() => admin().then((m) => m.ownerAddOwner)),
  "owner remove-owner": lazy(() => admin().then((m) => m.ownerRemoveOwner)),
  "owner set-threshold": lazy(() => admin().then((m) => m.ownerSetThreshold)),
  "owner freeze-agent": lazy(() => admin().then((m) => m.ownerFreezeAgent)),
  "owner unfreeze-agent": lazy(() => admin().then((m) => m.ownerUnfreezeAgent)),
  "keystore new": lazy(() => keystore().then((m) => m.keystoreNew)),
  "keystore import": lazy(() => keystore().then((m) => m.keystoreImport)),
  "intent show": lazy(() => intent().then((m) => m.intentShow)),
  "intent execute": lazy(() => intent().then((m) => m.intentExecute)),
  "intent expire": lazy(() => intent().then((m) => m.intentExpire)),
  "audit sync": lazy(() => audit().then((m) => m.auditSync)),
  "audit report": lazy(() => audit().then((m) => m.auditReport)),
  "audit verify": lazy(() => audit().then((m) => m.auditVerify)),
  "audit follow": lazy(() => audit().then((m) => m.auditFollow)),
  "audit serve": lazy(() => audit().then((m) => m.auditServe)),
  console: lazy(() => import("./console").then((m) => m.consoleCommand)),
  mcp: lazy(() => import("./mcp").then((m) => m.mcp)),
  relayer: lazy(() => import("./relayer").then((m) => m.relayer)),
  demo: lazy(() => import("./demo").then((m) => m.demo)),
};

/** Runs a parsed command. */
export function execute(cmd: Command, ctx: Context): Promise<Output> {
  return (HANDLERS[cmd.name] as Handler<CommandName>)(cmd.args as never, ctx);
}
