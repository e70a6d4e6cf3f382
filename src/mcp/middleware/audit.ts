import type { Logger } from "../../log.ts";
import type { Middleware } from "../tool.ts";

export interface AuditOptions {
  log: Logger;
  /**
   * The SQL's fingerprint (libpg-query): the same for statements differing only in constants.
   * Asynchronous: the parser may still be loading when a call is refused before parsing.
   */
  fingerprint: (sql: string) => Promise<string | undefined>;
  /** OBSERVABILITY_LOG_SQL: also log the SQL text (never the rows). */
  logSql: boolean;
  now: () => number;
}

/**
 * One line per tool call, at INFO (a refusal at WARNING, with its reason): who (transport,
 * client, a hash of the HTTP token or the remote address), what (tool, database, the SQL's
 * fingerprint), and how it went (outcome, duration, rows, truncated). Never a row value, never a
 * secret; the SQL text only when OBSERVABILITY_LOG_SQL=true.
 */
export function withAudit(options: AuditOptions): Middleware {
  return (tool, next) => async (args, call) => {
    const started = options.now();
    const result = await next(args, call);
    const durationMs = Math.round((options.now() - started) * 10) / 10;
    const value = result.ok ? result.value as Record<string, unknown> : undefined;
    const details = result.ok ? {} : result.error.details;
    const sql = sqlOf(args, value, details);
    const data = value?.data as { row_count?: unknown } | undefined;
    const fingerprint = sql ? await options.fingerprint(sql).catch(() => undefined) : undefined;
    const line = {
      request_id: call.requestId,
      transport: call.transport,
      ...(call.client ? { client: call.client } : {}),
      caller: call.identity,
      tool: tool.name,
      database: value?.database ?? args.database ?? undefined,
      outcome: result.ok ? "ok" : result.error.code,
      duration_ms: durationMs,
      ...(typeof data?.row_count === "number" ? { rows: data.row_count } : {}),
      ...(value?.truncated === true ? { truncated: true } : {}),
      ...(sql ? { sql_fingerprint: fingerprint } : {}),
      ...(sql && options.logSql ? { sql } : {}),
    };
    if (!result.ok && REFUSALS.has(result.error.code)) {
      options.log.warn("tool.refused", { ...line, reason: details.reason ?? "too_expensive" });
    } else options.log.info("tool.called", line);
    return result;
  };
}

/** Outcomes that are a policy's refusal (logged at WARNING), not a failure. */
const REFUSALS: ReadonlySet<string> = new Set(["SECURITY_VIOLATION", "QUERY_TOO_EXPENSIVE"]);

/** The SQL a call ran or tried: the client's, or the one `query` generated. */
function sqlOf(
  args: Record<string, unknown>,
  value: Record<string, unknown> | undefined,
  details: Record<string, unknown>,
): string | undefined {
  for (const candidate of [value?.generated_sql, details.generated_sql, args.sql]) {
    if (typeof candidate === "string" && candidate.trim() !== "") return candidate;
  }
  return undefined;
}
