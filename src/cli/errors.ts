/**
 * CLI-only errors. Every user-facing failure is a `TierGuardError` (one line, details, a fix); `UsageError` marks
 * a malformed command line (exit code 2), everything else a user error exits 1.
 */
import { TierGuardError, type TierGuardErrorOptions } from "../errors";

/** The command line itself is wrong (unknown command or option, missing or malformed argument). Exit code 2. */
export class UsageError extends TierGuardError {
  override name = "UsageError";
  constructor(shortMessage: string, options: TierGuardErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** Settings (flags, environment, config file, keys) are missing or wrong. Exit code 1. */
export class ConfigError extends TierGuardError {
  override name = "ConfigError";
}

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;
