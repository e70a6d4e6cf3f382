/**
 * Every line of tests/fixtures/sql/attacks-sample.sql, every public bypass of issue 3 and issue
 * 12's dump functions, sent to `execute_sql` through the MCP client, as a superuser (the
 * validator is the only guard) and as the README's read-only role. Each call has the outcome
 * tests/fixtures/sql/attacks-expected.json records for it: refused with which reason, failed at
 * the database with which code and SQLSTATE, or ran; so removing any one rule changes some
 * line's outcome and fails the test. And each has no effect: after each call the database's
 * fingerprint (tables, rows, roles, settings, sequences, large objects, data-directory files,
 * locks, other sessions) is unchanged, no /tmp file it names exists, the pooled session (one
 * connection) is still read-only with the server's timeouts and no advisory lock, and the call
 * returned within the statement timeout.
 *
 * After a deliberate change, set ATTACKS_ACTUAL_OUT=path to write the outcomes seen, review the
 * difference line by line and copy what is right into the expectations file.
 */
import assert from "node:assert/strict";
import { rowObjects } from "../support/read_only_db.ts";
import { sharedTestCluster } from "../support/test_cluster.ts";
import {
  attackLines,
  createTarget,
  DUMP_ATTACKS,
  exists,
  type McpHarness,
  PUBLIC_BYPASSES,
  startMcp,
  type Target,
  tmpPaths,
  type ToolCall,
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

type Role = "superuser" | "readonly";

/** One call's expected outcome; `readonly` only where the read-only role's differs. */
interface Expected {
  calls: string[];
  superuser: string[];
  readonly?: string[];
}

const EXPECTED_FILE = new URL("../fixtures/sql/attacks-expected.json", import.meta.url);

/** `refused:<reason>`, `failed:<code>[:<sqlstate>]` or `ran`. */
function outcomeOf(r: ToolCall): string {
  if (!r.isError) return "ran";
  const error = r.structured.error as { code: string; details: Record<string, unknown> };
  if (error.code === "SECURITY_VIOLATION" && error.details.reason !== "read_only_transaction") {
    return `refused:${error.details.reason}`;
  }
  const sqlstate = error.details.sqlstate;
  return `failed:${error.code}${typeof sqlstate === "string" ? `:${sqlstate}` : ""}`;
}

/** Settles when every pooled session of the harness's app is back in its pool. */
async function whenIdle(mcp: McpHarness): Promise<void> {
  await Promise.all(mcp.app.databases.list().map((d) => d.pool.whenIdle()));
}

/** Runs one attack (a sequence of calls) and checks it had no effect; returns the outcomes. */
async function attack(
  mcp: McpHarness,
  target: Target,
  baseline: Record<string, unknown>,
  calls: readonly string[],
  sessionRo: string,
): Promise<string[]> {
  const label = calls.join(" ⟶ ");
  const outcomes: string[] = [];
  for (const sql of calls) {
    const r = await mcp.call("execute_sql", { sql });
    assert.ok(r.ms < TIMEOUT_S * 1000 + SLACK_MS, `${label}: took ${Math.round(r.ms)} ms`);
    assert.deepEqual(r.textJson, r.structured, `${label}: text and structuredContent differ`);
    outcomes.push(outcomeOf(r));
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
  await whenIdle(mcp); // each call's ROLLBACK and reset end after its answer
  assert.deepEqual(await target.fingerprint(), baseline, `${label}: the database changed`);
  for (const path of tmpPaths(label)) {
    assert.equal(await exists(path), false, `${label}: wrote ${path}`);
  }
  return outcomes;
}

/** Every attack, in the order of the expectations file. */
async function allAttacks(): Promise<string[][]> {
  return [
    ...(await attackLines()).map((l) => [l]),
    ...PUBLIC_BYPASSES.map((calls) => [...calls]),
    ...DUMP_ATTACKS.map((l) => [l]),
  ];
}

async function runCorpus(role: Role): Promise<void> {
  const expected = JSON.parse(await Deno.readTextFile(EXPECTED_FILE)).attacks as Expected[];
  const attacks = await allAttacks();
  assert.deepEqual(
    attacks,
    expected.map((e) => e.calls),
    "the attacks and the expectations file differ",
  );
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "attacks");
  try {
    const url = role === "superuser"
      ? target.url
      : (await createReadOnlyRole(cluster, target.dbName)).url;
    await using mcp = await startMcp({
      DATABASE_URL: url,
      DATABASE_MIN_POOL_SIZE: "1",
      DATABASE_MAX_POOL_SIZE: "1",
      SECURITY_MAX_EXECUTION_TIME: String(TIMEOUT_S),
    });
    const baseline = await target.fingerprint();
    const wrong: string[] = [];
    const seen: Expected[] = [];
    const tally: Record<string, number> = {};
    for (const [i, calls] of attacks.entries()) {
      const outcomes = await attack(
        mcp,
        target,
        baseline,
        calls,
        role === "superuser" ? "off" : "on",
      );
      const want = (role === "readonly" ? expected[i].readonly : undefined) ??
        expected[i].superuser;
      if (JSON.stringify(outcomes) !== JSON.stringify(want)) {
        wrong.push(`${calls.join(" ⟶ ")}: ${outcomes.join(", ")}, expected ${want.join(", ")}`);
      }
      seen.push({ calls, superuser: outcomes });
      for (const o of outcomes) {
        tally[o.replace(/:.*/, "")] = (tally[o.replace(/:.*/, "")] ?? 0) + 1;
      }
    }
    const out = Deno.env.get("ATTACKS_ACTUAL_OUT");
    if (out) await Deno.writeTextFile(`${out}.${role}.json`, JSON.stringify(seen, null, 1));
    // deno-lint-ignore no-console -- the counts the lead reports
    console.log(`attacks as ${role}: ${attacks.length} attacks, ${JSON.stringify(tally)}`);
    assert.deepEqual(wrong, [], "outcomes differ from tests/fixtures/sql/attacks-expected.json");
  } finally {
    await target.close();
  }
}

Deno.test("execute_sql: every attack has its expected outcome and no effect, as superuser", async () => {
  await runCorpus("superuser");
});

Deno.test("execute_sql: every attack has its expected outcome and no effect, as the read-only role", async () => {
  await runCorpus("readonly");
});
