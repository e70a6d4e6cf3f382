/**
 * Every line of tests/fixtures/sql/attacks-sample.sql and every public bypass of issue 3, sent
 * to `execute_sql` through the MCP client, as a superuser (the validator is the only guard) and
 * as the README's read-only role. Each is refused or runs with no effect: after each call the
 * database's fingerprint (tables, rows, roles, settings, sequences, large objects, data-directory
 * files, locks, other sessions) is unchanged, no /tmp file it names exists, the pooled session
 * (one connection) is still read-only with the server's timeouts and no advisory lock, and the
 * call returned within the statement timeout.
 */
import assert from "node:assert/strict";
import { rowObjects } from "../support/read_only_db.ts";
import { sharedTestCluster } from "../support/test_cluster.ts";
import {
  attackLines,
  createTarget,
  exists,
  type McpHarness,
  PUBLIC_BYPASSES,
  startMcp,
  type Target,
  tmpPaths,
} from "./harness.ts";
import { createReadOnlyRole } from "./readonly_role.ts";

const TIMEOUT_S = 2;
/** Time allowed beyond the statement timeout: the cancel, the rollback, the MCP round trip. */
const SLACK_MS = 3_000;

const PROBE = `SELECT current_setting('default_transaction_read_only') AS session_ro,
  current_setting('transaction_read_only') AS tx_ro,
  current_setting('statement_timeout') AS statement_timeout,
  current_setting('lock_timeout') AS lock_timeout,
  current_setting('search_path') AS search_path,
  (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')::int AS advisory_locks,
  (SELECT count(*) FROM pg_prepared_statements)::int AS prepared`;

interface Tally {
  refused: Record<string, number>;
  failedAtDatabase: Record<string, number>;
  ran: number;
}

async function attack(
  mcp: McpHarness,
  target: Target,
  baseline: Record<string, unknown>,
  calls: readonly string[],
  tally: Tally,
  sessionRo: string,
): Promise<void> {
  const label = calls.join(" ⟶ ");
  for (const sql of calls) {
    const r = await mcp.call("execute_sql", { sql });
    assert.ok(r.ms < TIMEOUT_S * 1000 + SLACK_MS, `${label}: took ${Math.round(r.ms)} ms`);
    assert.deepEqual(r.textJson, r.structured, `${label}: text and structuredContent differ`);
    if (r.isError) {
      const error = r.structured.error as { code: string; details: { reason?: string } };
      if (error.code === "SECURITY_VIOLATION") {
        const reason = String(error.details.reason);
        tally.refused[reason] = (tally.refused[reason] ?? 0) + 1;
      } else {
        const key = `${error.code}`;
        tally.failedAtDatabase[key] = (tally.failedAtDatabase[key] ?? 0) + 1;
      }
    } else tally.ran++;
  }
  const probe = await mcp.call("execute_sql", { sql: PROBE });
  assert.ok(!probe.isError, `${label}: probe failed: ${probe.text}`);
  const data = probe.structured.data as { columns: string[]; rows: unknown[][] };
  assert.deepEqual(rowObjects(data)[0], {
    session_ro: sessionRo, // the role's own default: pg-mcp sets read-only per transaction
    tx_ro: "on",
    statement_timeout: `${TIMEOUT_S}s`,
    lock_timeout: `${TIMEOUT_S}s`,
    search_path: '"$user", public',
    advisory_locks: 0,
    prepared: 0,
  }, `${label}: the pooled session kept state`);
  assert.deepEqual(await target.fingerprint(), baseline, `${label}: the database changed`);
  for (const path of tmpPaths(label)) {
    assert.equal(await exists(path), false, `${label}: wrote ${path}`);
  }
}

async function runCorpus(asRole: "superuser" | "read-only role"): Promise<Tally> {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "attacks");
  try {
    const url = asRole === "superuser"
      ? target.url
      : (await createReadOnlyRole(cluster, target.dbName)).url;
    await using mcp = await startMcp({
      DATABASE_URL: url,
      DATABASE_MIN_POOL_SIZE: "1",
      DATABASE_MAX_POOL_SIZE: "1",
      SECURITY_MAX_EXECUTION_TIME: String(TIMEOUT_S),
    });
    const baseline = await target.fingerprint();
    const tally: Tally = { refused: {}, failedAtDatabase: {}, ran: 0 };
    const ro = asRole === "superuser" ? "off" : "on";
    for (const line of await attackLines()) await attack(mcp, target, baseline, [line], tally, ro);
    for (const calls of PUBLIC_BYPASSES) await attack(mcp, target, baseline, calls, tally, ro);
    // deno-lint-ignore no-console -- the counts the lead reports
    console.log(`attacks as ${asRole}: ${JSON.stringify(tally)}`);
    return tally;
  } finally {
    await target.close();
  }
}

Deno.test("execute_sql: every attack line and public bypass is refused or has no effect, as superuser", async () => {
  const tally = await runCorpus("superuser");
  assert.ok(Object.values(tally.refused).reduce((a, b) => a + b, 0) > 150);
});

Deno.test("execute_sql: every attack line and public bypass is refused or has no effect, as the read-only role", async () => {
  const tally = await runCorpus("read-only role");
  assert.ok(Object.values(tally.refused).reduce((a, b) => a + b, 0) > 150);
});
