/**
 * How the benchmark configures pg-mcp and calls its tool: the one place to change either (the
 * per-call output budget variable and the `max_rows` argument, when they exist, go here).
 */

/** pg-mcp's environment on top of the tests' base (every pg-mcp variable unset). */
export function pgMcpEnv(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    // Room for the 100,000-row workload: every mode must return every row, never a truncated
    // result (the workloads check the row count, and pg-mcp's `truncated` flag fails the run).
    SECURITY_MAX_ROWS: "1000000",
    SECURITY_MAX_RESULT_BYTES: "1000000000",
    MCP_MAX_RESULT_CHARS: "1000000000",
    // A benchmark is many calls a second from one client: the per-client limit would stop it.
    RATE_LIMIT_REQUESTS_PER_MINUTE: "0",
    ...extra,
  };
}

/**
 * The cost gate on (issue 12), at a limit no statement of the benchmark reaches (the 100,000-row
 * scan plans at a few thousand units): every call is planned, then runs; none is refused.
 */
export const COST_GATE_ENV: Readonly<Record<string, string>> = {
  SECURITY_MAX_QUERY_COST: "1000000000000",
};

/** The arguments of pg-mcp's `execute_sql` for one statement. */
export function executeSqlArguments(sql: string): Record<string, unknown> {
  return { sql };
}

/** The arguments of the reference server's `query` tool. */
export function referenceQueryArguments(sql: string): Record<string, unknown> {
  return { sql };
}
