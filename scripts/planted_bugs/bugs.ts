/**
 * One-line bugs planted one at a time by `deno task planted-bugs`, each with the test files that
 * must fail when it is in: the public-surface ones (`tests/`, MCP over stdio and HTTP) and, where
 * only a unit test can reach the rule, the unit ones. `unitOnly` says why no public call can.
 */
export interface PlantedBug {
  name: string;
  file: string;
  /** Text that occurs exactly once in `file`. */
  find: string;
  replace: string;
  tests: string[];
  unitOnly?: string;
}

export const PLANTED_BUGS: readonly PlantedBug[] = [
  {
    name: "reads run READ WRITE",
    file: "src/db/session_settings.ts",
    find: '`BEGIN ${readOnly ? "READ ONLY" : "READ WRITE"}`',
    replace: "`BEGIN READ WRITE`",
    tests: ["tests/safety/attacks_mcp_test.ts"],
  },
  {
    name: "no statement_timeout in the transaction",
    file: "src/db/session_settings.ts",
    find: '["statement_timeout", ms(limits.statementTimeoutMs)],',
    replace: "",
    tests: ["tests/safety/attacks_mcp_test.ts"],
  },
  {
    name: "no TimeZone UTC in the transaction",
    file: "src/db/session_settings.ts",
    find: '["TimeZone", "UTC"],',
    replace: "",
    tests: ["tests/pgbouncer_test.ts"],
  },
  {
    name: "no IntervalStyle in the transaction",
    file: "src/db/session_settings.ts",
    find: '["IntervalStyle", "iso_8601"],',
    replace: "",
    tests: ["tests/pgbouncer_test.ts"],
  },
  {
    name: "advisory locks outlive a read",
    file: "src/db/transaction.ts",
    find: 'options.reset === "advisory_locks" ? "; SELECT pg_advisory_unlock_all()" : ""',
    replace: '""',
    tests: ["src/db/read_only_safety_test.ts"],
    unitOnly: "the validator refuses every advisory-lock function",
  },
  {
    name: "an abort does not cancel the statement",
    file: "src/db/transaction.ts",
    find: "    running?.cancel();\n",
    replace: "",
    tests: ["tests/safety/cancel_mcp_test.ts", "tests/faults_test.ts"],
  },
  {
    name: "the pool lends a discarded session again",
    file: "src/db/pool.ts",
    find: "if (!keep || session.closed || closing) {",
    replace: "if (session.closed || closing) {",
    tests: ["src/db/pool_test.ts"],
    unitOnly: "sessions discarded through MCP are dead, and closed ones are never lent",
  },
  {
    name: "no cost gate",
    file: "src/db/read_executor.ts",
    find: "if (plan.totalCost <= maxCost) return ok(undefined);",
    replace: "if (plan.totalCost >= 0) return ok(undefined);",
    tests: ["tests/cost_gate_test.ts"],
  },
  {
    name: "a page skips one row too few",
    file: "src/db/read_executor.ts",
    find: "`MOVE FORWARD ${Math.trunc(offset)} IN pg_mcp_page`",
    replace: "`MOVE FORWARD ${Math.trunc(offset) - 1} IN pg_mcp_page`",
    tests: ["tests/results_test.ts"],
  },
  {
    name: "one row over the row cap",
    file: "src/db/row_collector.ts",
    find: "if (this.#ends.length >= maxRows) {",
    replace: "if (this.#ends.length >= maxRows + 1) {",
    tests: ["tests/results_test.ts"],
  },
  {
    name: "pg_sleep callable",
    file: "src/sql/blocked_families.ts",
    find: 'names: ["pg_sleep", "pg_sleep_for", "pg_sleep_until"],',
    replace: 'names: ["pg_sleep_for", "pg_sleep_until"],',
    tests: ["tests/safety/attacks_mcp_test.ts"],
  },
  {
    name: "database_to_xml callable",
    file: "src/sql/opaque_functions.ts",
    find: '    "database_to_xml",\n',
    replace: "",
    tests: ["tests/safety/attacks_mcp_test.ts"],
  },
  {
    name: "EXPLAIN ANALYZE accepted",
    file: "src/sql/statement_rules.ts",
    find: 'return d?.defname?.toLowerCase() === "analyze" && !isFalse(d.arg);',
    replace: "return false;",
    tests: ["tests/results_test.ts", "tests/safety/attacks_mcp_test.ts"],
  },
  {
    name: "a NUL character reaches the parser",
    file: "src/sql/input_text.ts",
    find: "if (nul >= 0) {",
    replace: "if (nul >= 1e9) {",
    tests: ["tests/safety/hidden_data_mcp_test.ts"],
  },
  {
    name: "a whole row of a table with hidden columns",
    file: "src/sql/hidden_rules.ts",
    find: "      const p = mayHide(r);\n      if (p) {",
    replace: "      const p = mayHide(r);\n      if (p && false) {",
    tests: ["tests/safety/hidden_data_mcp_test.ts"],
  },
  {
    name: "a hidden table in the schema snapshot",
    file: "src/hidden/hide_snapshot.ts",
    find: ".filter((t) => !hidden.hiddenTable(t.schema, t.name))",
    replace: ".filter((t) => t !== undefined)",
    tests: ["tests/safety/hidden_data_mcp_test.ts"],
  },
  {
    name: "verdicts kept across search paths",
    file: "src/sql/statement_memo.ts",
    find: "if (entry.generation !== generationOf(policy)) {",
    replace: "if (false) {",
    tests: ["src/sql/statement_memo_test.ts"],
    unitOnly: "a role's search path does not change while a test server runs",
  },
  {
    name: "a signed token's signature unchecked",
    file: "src/security/signed_token.ts",
    find: "      if (!valid) return bad;\n",
    replace: "",
    tests: ["tests/results_test.ts", "tests/http_write_test.ts"],
  },
  {
    name: "a confirm token never expires",
    file: "src/usecases/write.ts",
    find: 'if (typeof e !== "number" || e <= deps.now()) {',
    replace: 'if (typeof e !== "number") {',
    tests: ["src/usecases/write_test.ts"],
    unitOnly: "the confirmation window is a fixed 10 minutes; the unit test moves the clock",
  },
  {
    name: "a confirm token used twice",
    file: "src/usecases/write.ts",
    find: 'if (typeof n !== "string" || !deps.usedNonces.claim(n, e)) return usedToken();',
    replace: 'if (typeof n !== "string") return usedToken();',
    tests: ["tests/http_write_test.ts"],
  },
  {
    name: "an unknown database falls back to the default",
    file: "src/databases/registry.ts",
    find: "      if (found) return ok(found);",
    replace: "      if (found || fallback) return ok(found ?? fallback!);",
    tests: ["tests/databases_test.ts"],
  },
  {
    name: "the breaker never opens",
    file: "src/resilience/circuit_breaker.ts",
    find: '    if (state === "open" || (state === "half_open" && this.#trialInFlight)) {',
    replace: "    if (false) {",
    tests: ["tests/resilience_stdio_test.ts"],
  },
  {
    name: "no question deadline",
    file: "src/usecases/ask_question.ts",
    find:
      "  const signal = deadline && events.signal\n    ? AbortSignal.any([events.signal, deadline])\n    : deadline ?? events.signal;",
    replace: "  const signal = events.signal;",
    tests: ["tests/faults_test.ts"],
  },
  {
    name: "writes on the demo",
    file: "src/demo/demo_config.ts",
    find:
      "    config: { ...config, security: { ...config.security, allowWriteOperations: false } },",
    replace: "    config,",
    tests: ["tests/demo_start_test.ts"],
  },
  {
    name: "any Host on a loopback bind",
    file: "src/http/serve.ts",
    find:
      'return ["127.0.0.1", "localhost", "[::1]"].some((h) => host === h || host === `${h}:${port}`);',
    replace: "return true;",
    tests: ["tests/http_test.ts"],
  },
  {
    name: "any token of the right length",
    file: "src/http/auth.ts",
    find: "if (constantTimeEqual(given, expected)) match = expected;",
    replace: "if (given.length === expected.length) match = expected;",
    tests: ["tests/http_test.ts"],
  },
  {
    name: "notifications/cancelled ignored over HTTP",
    file: "src/http/inflight.ts",
    find: "      abort?.();\n",
    replace: "",
    tests: ["tests/faults_test.ts"],
  },
  {
    name: "no rate limit",
    file: "src/mcp/middleware/rate_limit.ts",
    find: "if (waitMs === 0) return next(args, call);",
    replace: "if (waitMs >= 0) return next(args, call);",
    tests: ["tests/observability_test.ts"],
  },
  {
    name: "no stdio message size cap",
    file: "src/mcp/stdio_transport.ts",
    find: "if (size > options.maxMessageBytes) {",
    replace: "if (size > 1e12) {",
    tests: ["tests/faults_test.ts"],
  },
  {
    name: "stdio batches accepted",
    file: "src/mcp/stdio_transport.ts",
    find: "    if (Array.isArray(value)) {",
    replace: "    if (Array.isArray(value) && value.length > 99) {",
    tests: ["tests/faults_test.ts"],
  },
  {
    name: "a password in a logged URL",
    file: "src/log.ts",
    find: 'return value.replace(URL_PASSWORD, "$1***@");',
    replace: "return value;",
    tests: ["src/log_test.ts"],
    unitOnly: "no public path logs a URL with a password; tests/secrets_test.ts checks the outcome",
  },
  {
    name: "a password field logged",
    file: "src/log.ts",
    find: '  "password",\n',
    replace: "",
    tests: ["src/log_test.ts"],
    unitOnly: "no public path logs a password field; tests/secrets_test.ts checks the outcome",
  },
];
