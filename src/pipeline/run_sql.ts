import type { ReadOnlyDb, Rows } from "../db/read_only.ts";
import type { Result } from "../errors.ts";
import type { SqlParser } from "../sql/parse.ts";
import { checkSql, type SqlPolicy } from "../sql/validate.ts";

export interface RunSqlDeps {
  db: ReadOnlyDb;
  parser: SqlParser;
  policy: SqlPolicy;
}

export interface RunLimits {
  maxRows: number;
  maxResultBytes: number;
}

/** Validates and runs one read-only statement: the path both `query` and `execute_sql` take. */
export async function runSql(
  sql: string,
  deps: RunSqlDeps,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<Result<Rows>> {
  const safe = await checkSql(sql, deps.parser, deps.policy);
  if (!safe.ok) return safe;
  return await deps.db.run(safe.value.text, {
    maxRows: limits.maxRows,
    maxBytes: limits.maxResultBytes,
    signal,
  });
}
