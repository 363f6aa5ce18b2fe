/** Database locations: PostgreSQL URLs (recognised, and redacted for messages) and schema names. */
import { IndexerStoreError } from "../errors";

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** True for `postgres://` and `postgresql://` URLs. */
export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url.trim());

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

export function checkSchema(schema: string | undefined): string | undefined {
  if (schema === undefined) return undefined;
  if (!SCHEMA_NAME.test(schema)) {
    throw new IndexerStoreError(`invalid schema name "${schema}"`, {
      fix: "Use letters, digits and underscores only (at most 63 characters, not starting with a digit).",
    });
  }
  return schema;
}
