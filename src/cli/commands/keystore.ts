/** `tierguard keystore new|import`: encrypted JSON keystores (Web3 Secret Storage) for owners and agents. */
import { existsSync, writeFileSync } from "node:fs";
import { encryptKeystore } from "../../owners/keystore";
import type { Context, Output } from "../context";
import { ConfigError } from "../errors";
import { readPassword } from "../signers";
import type { CommandArgs } from "../spec";

async function write(ctx: Context, out: string, privateKey?: `0x${string}`): Promise<Output> {
  const file = ctx.resolvePath(out);
  if (existsSync(file)) throw new ConfigError(`${out} already exists; not overwriting a keystore`, { fix: "pass another --out path" });
  const password = await readPassword(
    { passwordFile: ctx.globals.passwordFile ? ctx.resolvePath(ctx.globals.passwordFile) : undefined, env: ctx.env, warn: (m) => ctx.warn(m) },
    `Password for ${out}: `,
    true,
  );
  const { json, address } = await encryptKeystore(password, privateKey);
  writeFileSync(file, json, { mode: 0o600 });
  return {
    text: [`address: ${address}`, `keystore written to ${out} (mode 600); use it with --keystore ${out}`],
    json: { address, file: out },
  };
}

export const keystoreNew = (args: CommandArgs<"keystore new">, ctx: Context): Promise<Output> => write(ctx, args.out);

export async function keystoreImport(args: CommandArgs<"keystore import">, ctx: Context): Promise<Output> {
  const accounts = await ctx.rawOwnerKeys();
  if (accounts.length !== 1) {
    throw new ConfigError(`keystore import takes exactly one key; ${accounts.length} given`, { fix: "put a single private key in the --key-file" });
  }
  return write(ctx, args.out, accounts[0]);
}
