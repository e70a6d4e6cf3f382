import type { DatabaseRegistry } from "../databases/registry.ts";
import { fail, ok, type Result } from "../errors.ts";
import { digest, type TokenSigner } from "../security/signed_token.ts";
import type { SqlParser } from "../sql/parse.ts";
import { checkWrite } from "../sql/validate_write.ts";
import { LEDGER_CONFLICT } from "../db/write_executor.ts";
import { blankSql } from "./run_sql.ts";

export interface WriteInput {
  sql: string;
  database?: string;
  /** The `confirm_token` of this statement's preview: commits it. Absent: a preview. */
  confirmToken?: string;
}

export interface WriteDeps {
  databases: DatabaseRegistry;
  parser: SqlParser;
  tokens: TokenSigner;
  /** Nonces of tokens already used by this process (a replayed token is refused). */
  usedNonces: NonceLedger;
  /**
   * SECURITY_WRITE_LEDGER_TABLE: a table in each database that records used tokens in the
   * write's own transaction, so a token commits once across every instance.
   */
  ledgerTable?: string;
  /** ms; the clock for tokens' expiry. */
  now: () => number;
  /** How long a preview's token may commit it (ms). */
  previewTtlMs: number;
}

export interface WriteAnswer {
  success: true;
  database: string;
  sql: string;
  operation: "INSERT" | "UPDATE" | "DELETE";
  affected_rows: number;
  committed: boolean;
  /** From a preview: pass it back with the same SQL to commit. */
  confirm_token?: string;
  /** When the confirm token stops being accepted (ISO 8601). */
  expires_at?: string;
  message: string;
}

const PURPOSE = "write";

/**
 * Write mode. A statement first runs as a preview in a transaction that is rolled back and
 * reports how many rows it would change, with a signed `confirm_token` (over the exact SQL, the
 * database, an expiry and a nonce); `{ sql, confirm_token }` runs it again and commits, once.
 * No state lives between the two calls but the token, so the commit may reach another request,
 * server instance or process sharing SECURITY_WRITE_CONFIRM_SECRET.
 */
export async function writeData(
  input: WriteInput,
  deps: WriteDeps,
  signal?: AbortSignal,
): Promise<Result<WriteAnswer>> {
  if (input.sql.trim() === "") return blankSql("INSERT, UPDATE or DELETE");
  const db = deps.databases.resolve(input.database);
  if (!db.ok) return db;
  if (!db.value.writer) {
    return fail("INVALID_INPUT", "Cannot write: write mode is off", { reason: "write_mode_off" });
  }
  const safe = await checkWrite(input.sql, deps.parser, db.value.policy);
  if (!safe.ok) return safe;
  const commit = input.confirmToken !== undefined;
  let nonce: { id: string; expiresAt: number } | undefined;
  if (input.confirmToken !== undefined) {
    const confirmed = await checkToken(input.confirmToken, input.sql, db.value.name, deps);
    if (!confirmed.ok) return confirmed;
    nonce = confirmed.value;
  }
  const outcome = await db.value.writer.write(safe.value, {
    commit,
    signal,
    ...(nonce && deps.ledgerTable
      ? { ledger: { table: deps.ledgerTable, nonce: nonce.id, expiresAt: nonce.expiresAt } }
      : {}),
  });
  if (!outcome.ok) {
    if (nonce) deps.usedNonces.release(nonce.id); // nothing committed: the token may try again
    if (nonce && outcome.error.details.sqlstate === LEDGER_CONFLICT && deps.ledgerTable) {
      return usedToken();
    }
    return outcome;
  }
  const n = outcome.value.affectedRows;
  const rows = `${n} row${n === 1 ? "" : "s"}`;
  const { operation } = safe.value;
  const base = {
    success: true as const,
    database: db.value.name,
    sql: input.sql,
    operation,
    affected_rows: n,
    committed: commit,
  };
  if (commit) return ok({ ...base, message: `Committed: ${operation} changed ${rows}` });
  const expires = deps.now() + deps.previewTtlMs;
  return ok({
    ...base,
    confirm_token: await deps.tokens.sign(PURPOSE, {
      d: db.value.name,
      h: await digest(input.sql),
      e: expires,
      n: crypto.randomUUID(),
    }),
    expires_at: new Date(expires).toISOString(),
    message: `Preview: ${operation} would change ${rows}; nothing was changed. Call again ` +
      "with the same SQL and this confirm_token to commit it",
  });
}

/** The token's nonce and expiry, claimed; or why the token cannot commit this SQL. */
async function checkToken(
  token: string,
  sql: string,
  database: string,
  deps: WriteDeps,
): Promise<Result<{ id: string; expiresAt: number }>> {
  const payload = await deps.tokens.verify(PURPOSE, token);
  if (!payload.ok) return payload;
  const { d, h, e, n } = payload.value;
  if (d !== database || h !== await digest(sql)) {
    return fail(
      "INVALID_INPUT",
      "Cannot commit: the confirm_token was issued for another statement or database; preview " +
        "this exact SQL first",
      { reason: "token_mismatch" },
    );
  }
  if (typeof e !== "number" || e <= deps.now()) {
    return fail(
      "INVALID_INPUT",
      "Cannot commit: the confirm_token has expired; preview the statement again",
      { reason: "token_expired" },
    );
  }
  if (typeof n !== "string" || !deps.usedNonces.claim(n, e)) return usedToken();
  return ok({ id: n, expiresAt: e });
}

function usedToken() {
  return fail<never>(
    "INVALID_INPUT",
    "Cannot commit: this confirm_token was already used; preview the statement again",
    { reason: "token_used" },
  );
}

/** Single use of confirm tokens within one process. */
export interface NonceLedger {
  /** True when `nonce` was free (it is now taken until `expiresAt`). */
  claim(nonce: string, expiresAt: number): boolean;
  /** Frees a nonce whose commit did not happen. */
  release(nonce: string): void;
}

export function createNonceLedger(now: () => number): NonceLedger {
  const taken = new Map<string, number>();
  return {
    claim(nonce, expiresAt) {
      const t = now();
      for (const [n, until] of taken) if (until <= t) taken.delete(n);
      if (taken.has(nonce)) return false;
      taken.set(nonce, expiresAt);
      return true;
    },
    release: (nonce) => void taken.delete(nonce),
  };
}
