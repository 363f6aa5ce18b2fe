/**
 * Every error the SDK throws extends `TierGuardError`: a one-line `shortMessage` saying what went wrong,
 * optional `details`, the fix in `fix`, and the underlying `cause` when there is one.
 */
export interface TierGuardErrorOptions {
  /** What to do about it. */
  fix?: string;
  /** Extra lines (e.g. one per problem found). */
  details?: string[];
  cause?: unknown;
}

export class TierGuardError extends Error {
  override name = "TierGuardError";
  readonly shortMessage: string;
  readonly fix?: string;
  readonly details: string[];

  constructor(shortMessage: string, options: TierGuardErrorOptions = {}) {
    const lines = [shortMessage, ...(options.details ?? []).map((d) => `  - ${d}`)];
    if (options.fix) lines.push(`Fix: ${options.fix}`);
    super(lines.join("\n"), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.fix = options.fix;
    this.details = options.details ?? [];
  }
}
