/**
 * Where an owner's key comes from on the command line: an encrypted keystore (`--keystore`, password from a
 * prompt or `--password-file`, never argv), or raw keys from the environment or a key file (with a warning when
 * that file is readable by others). Keys are never printed.
 */
import { readFileSync, statSync } from "node:fs";
import type { PrivateKeyAccount } from "viem/accounts";
import { decryptKeystore } from "../owners/keystore";
import { ENV, type Env } from "./connection";
import { ConfigError } from "./errors";

export const SIGNER_ENV = {
  keystore: "TIERGUARD_KEYSTORE",
  passwordFile: "TIERGUARD_PASSWORD_FILE",
} as const;

/** A warning when a secret file can be read by the group or others (POSIX modes only). */
export function loosePermissions(file: string, what: string): string | undefined {
  if (process.platform === "win32") return undefined;
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      return `${what} ${file} is readable by other users (mode ${mode.toString(8).padStart(3, "0")}); run: chmod 600 ${file}`;
    }
  } catch {
    // unreadable files are reported by whoever reads them
  }
  return undefined;
}

function readSecretFile(file: string, what: string, warn: (m: string) => void): string {
  const w = loosePermissions(file, what);
  if (w) warn(w);
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      fix: `check the path of the ${what}`,
    });
  }
}

/** Asks for a password on the terminal without echoing it. */
export async function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new ConfigError("a keystore password is needed and there is no terminal to ask on", {
      fix: `pass --password-file <file> (or set ${SIGNER_ENV.passwordFile}); passwords are never taken from the command line`,
    });
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new ConfigError("cancelled"));
        if (ch === "\u007f") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

export interface PasswordSource {
  passwordFile?: string;
  env: Env;
  warn: (m: string) => void;
}

/** The password: from the password file (first line) if given, else a prompt (twice when `confirm`). */
export async function readPassword(src: PasswordSource, prompt: string, confirm = false): Promise<string> {
  const file = src.passwordFile ?? src.env[SIGNER_ENV.passwordFile];
  if (file) return readSecretFile(file, "password file", src.warn).split(/\r?\n/)[0];
  const first = await promptPassword(prompt);
  if (confirm && (await promptPassword("Repeat the password: ")) !== first) {
    throw new ConfigError("the two passwords differ", { fix: "run the command again" });
  }
  return first;
}

/** The keystore path given (flag or environment), if any. */
export const keystorePath = (flag: string | undefined, env: Env) => flag ?? env[SIGNER_ENV.keystore];

/** Decrypts the keystore into an account. */
export async function keystoreAccount(file: string, src: PasswordSource): Promise<PrivateKeyAccount> {
  const json = readSecretFile(file, "keystore", () => undefined);
  const password = await readPassword(src, `Password for ${file}: `);
  return decryptKeystore(json, password, file);
}

/** The warning for a raw key file with loose permissions, and a note when raw keys sit in the environment. */
export function rawKeyWarnings(keyFile: string | undefined): string[] {
  const w = keyFile ? loosePermissions(keyFile, "key file") : undefined;
  return w ? [w] : [];
}

export { ENV };
