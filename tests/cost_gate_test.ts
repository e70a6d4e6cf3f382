/**
 * Issue 12 item 3, the cost gate (SECURITY_MAX_QUERY_COST), through the public surface: the
 * official MCP client in memory against the real app, as a superuser against real PostgreSQL
 * (the server is the only guard), and `query` with the scripted model.
 */
import assert from "node:assert/strict";
import { sharedTestCluster } from "./support/test_cluster.ts";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { checkAnswer, sqlAnswer, startNlApp } from "./support/nl_app.ts";
import { createTarget, startMcp, type Target } from "./safety/harness.ts";

/** 3,000 rows, analyzed: three of them cross joined plan at hundreds of millions of units. */
const BIG_SQL = `CREATE TABLE big AS SELECT g AS id, md5(g::text) AS label
                   FROM generate_series(1, 3000) AS g;
                 ALTER TABLE big ADD PRIMARY KEY (id);
                 ANALYZE big;`;
const PROBE = "pg-mcp-cost-probe";
const EXPENSIVE = `SELECT count(*) FROM big a, big b, big c /* ${PROBE} */`;
const LIMIT = 100_000;

/** Sessions other than the observer's own that are running the probe, EXPLAIN excluded. */
async function probeRuns(target: Target): Promise<string[]> {
  const rows = await target.observer.unsafe(
    `SELECT state, query FROM pg_stat_activity
      WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()
        AND query NOT ILIKE 'explain%' AND state <> 'idle'`,
    [PROBE],
  );
  return rows.map((r) => `${r.state}: ${r.query}`);
}

/** pg-mcp's sessions of this database still in a transaction. */
async function inTransaction(target: Target): Promise<number> {
  const rows = await target.observer.unsafe(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND state LIKE 'idle in transaction%'`,
  );
  return rows[0].n;
}

interface Refusal {
  code: string;
  message: string;
  details: {
    estimated_cost: number;
    estimated_rows: number;
    max_cost: number;
    plan: { node_type: string; relation?: string; total_cost: number; depth: number }[];
  };
}

async function withBigTable<T>(
  env: Record<string, string>,
  work: (mcp: Awaited<ReturnType<typeof startMcp>>, target: Target) => Promise<T>,
): Promise<T> {
  const target = await createTarget(await sharedTestCluster(), "cost_gate");
  try {
    await target.observer.unsafe(BIG_SQL);
    await using mcp = await startMcp({ DATABASE_URL: target.url, ...env });
    return await work(mcp, target);
  } finally {
    await target.close();
  }
}

Deno.test("cost gate: an expensive cross join is refused in well under a second and never runs", async () => {
  await withBigTable({
    SECURITY_MAX_QUERY_COST: String(LIMIT),
    // Without the gate the cross join would run this long: the test would see it.
    SECURITY_MAX_EXECUTION_TIME: "30",
  }, async (mcp, target) => {
    let done = false;
    const seen: string[] = [];
    // Watches pg_stat_activity for as long as the call takes.
    const watcher = (async () => {
      while (!done) {
        seen.push(...await probeRuns(target));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const r = await mcp.call("execute_sql", { sql: EXPENSIVE });
    done = true;
    await watcher;
    assert.deepEqual(seen, [], "the statement ran while the call was open");
    assert.equal(r.isError, true, r.text);
    assert.ok(r.ms < 1_000, `refused after ${Math.round(r.ms)} ms`);
    assert.deepEqual(await probeRuns(target), [], "the statement runs after the answer");
    // The transaction ends right behind the answer (ROLLBACK is not waited for): soon, not never.
    const until = performance.now() + 2_000;
    while ((await inTransaction(target)) > 0) {
      assert.ok(performance.now() < until, "a session is left in a transaction");
      await new Promise((r) => setTimeout(r, 10));
    }

    const error = r.structured.error as Refusal;
    assert.equal(error.code, "QUERY_TOO_EXPENSIVE");
    assert.match(error.message, /^Cannot run the query: the planner estimates a cost of \d+/);
    assert.match(error.message, /SECURITY_MAX_QUERY_COST/);
    assert.equal(error.details.max_cost, LIMIT);
    assert.ok(error.details.estimated_cost > LIMIT * 100, String(error.details.estimated_cost));
    // The planner's rows for count(*): one; the join below it: 3,000³.
    assert.equal(error.details.estimated_rows, 1);
    const plan = error.details.plan;
    assert.ok(plan.length >= 3 && plan.length <= 8, JSON.stringify(plan));
    assert.equal(plan[0].depth, 0);
    assert.equal(plan[0].node_type, "Aggregate");
    assert.equal(plan[0].total_cost, error.details.estimated_cost);
    const join = plan.find((n) => n.node_type === "Nested Loop");
    assert.ok(join && join.total_cost > LIMIT, JSON.stringify(plan));
    assert.ok(plan.some((n) => n.relation === "big"), JSON.stringify(plan));
    // The text a client reads carries the same refusal.
    assert.deepEqual(JSON.parse(r.text), r.structured);
  });
});

Deno.test("cost gate: a cheap query passes; EXPLAIN of the expensive one is not gated", async () => {
  await withBigTable({ SECURITY_MAX_QUERY_COST: String(LIMIT) }, async (mcp) => {
    const cheap = await mcp.call("execute_sql", {
      sql: "SELECT id, label FROM big WHERE id = 7",
    });
    assert.equal(cheap.isError, false, cheap.text);
    const data = cheap.structured.data as { rows: unknown[][] };
    assert.deepEqual(data.rows, [[7, "8f14e45fceea167a5a36dedd4bea2543"]]);

    // A join that plans above the limit but below it with a filter on the key: the gate reads
    // the plan, not the text.
    const filtered = await mcp.call("execute_sql", {
      sql: "SELECT count(*) AS n FROM big a, big b, big c WHERE a.id = 1 AND b.id = 2 AND c.id = 3",
    });
    assert.equal(filtered.isError, false, filtered.text);
    assert.deepEqual((filtered.structured.data as { rows: unknown[][] }).rows, [["1"]]);

    // EXPLAIN runs nothing: it is answered with its plan, whatever the plan's cost.
    const explained = await mcp.call("execute_sql", { sql: `EXPLAIN ${EXPENSIVE}` });
    assert.equal(explained.isError, false, explained.text);
    const lines = (explained.structured.data as { rows: string[][] }).rows.map((r) => r[0]);
    assert.match(lines[0], /^Aggregate {2}\(cost=/);
    assert.ok(lines.some((l) => l.includes("Nested Loop")));
  });
});

Deno.test("cost gate: 0 turns it off; a limit of 1 refuses even a scan of one table", async () => {
  const sql = "SELECT count(*) AS n FROM big";
  await withBigTable({ SECURITY_MAX_QUERY_COST: "1" }, async (mcp) => {
    const r = await mcp.call("execute_sql", { sql });
    assert.equal((r.structured.error as Refusal | undefined)?.code, "QUERY_TOO_EXPENSIVE", r.text);
    // The limit is on the planner's total cost: a constant costs (almost) nothing.
    const tiny = await mcp.call("execute_sql", { sql: "SELECT 1 AS one" });
    assert.equal(tiny.isError, false, tiny.text);
  });
  await withBigTable({ SECURITY_MAX_QUERY_COST: "0" }, async (mcp) => {
    const r = await mcp.call("execute_sql", { sql });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual((r.structured.data as { rows: unknown[][] }).rows, [["3000"]]);
  });
});

Deno.test("cost gate: PostgreSQL's error position points into the client's SQL, not the EXPLAIN", async () => {
  const sql = "SELECT id, nosuch FROM big";
  const positions: unknown[] = [];
  for (const limit of ["0", String(LIMIT)]) {
    await withBigTable({ SECURITY_MAX_QUERY_COST: limit }, async (mcp) => {
      const r = await mcp.call("execute_sql", { sql });
      const error = r.structured.error as { code: string; details: Record<string, unknown> };
      assert.equal(error.code, "DB_FAILED");
      assert.equal(error.details.sqlstate, "42703");
      positions.push(error.details.position);
    });
  }
  assert.deepEqual(positions, [sql.indexOf("nosuch") + 1, sql.indexOf("nosuch") + 1]);
});

Deno.test("cost gate in query: the repair prompt points at the wrong column, not 22 characters off", async () => {
  const wrong = "SELECT count(*) AS n, nosuch FROM cd.bookings";
  await using nl = await startNlApp([
    sqlAnswer(wrong),
    sqlAnswer("SELECT count(*) AS n FROM cd.bookings"),
    checkAnswer(90),
  ], { env: { SECURITY_MAX_QUERY_COST: String(LIMIT) } });
  await using mcp = await connectInMemory(nl.app.server);
  const result = await mcp.client.callTool({ name: "query", arguments: { question: "Bookings?" } });
  assert.equal(result.isError, undefined, JSON.stringify(result.structuredContent));
  const at = wrong.indexOf("nosuch");
  assert.ok(
    nl.promptText(1).includes(`At character ${at + 1}:\n${wrong}\n${" ".repeat(at)}^`),
    nl.promptText(1),
  );
});

Deno.test("cost gate in query: an expensive first attempt is repaired into a cheap one; metrics and the log see it", async () => {
  const expensive = "SELECT count(*) AS n FROM cd.bookings a, cd.bookings b, cd.bookings c";
  const cheap = "SELECT count(*) AS n FROM cd.bookings";
  await using nl = await startNlApp([
    { content: sqlAnswer(expensive), usage: { total_tokens: 100 } },
    { content: sqlAnswer(cheap), usage: { total_tokens: 120 } },
    { content: checkAnswer(90), usage: { total_tokens: 30 } },
  ], { env: { SECURITY_MAX_QUERY_COST: String(LIMIT) } });
  await using mcp = await connectInMemory(nl.app.server);
  nl.log.lines.length = 0;
  const result = await mcp.client.callTool({
    name: "query",
    arguments: { question: "How many bookings are there?" },
  });
  const body = result.structuredContent as Record<string, unknown>;
  assert.equal(result.isError, undefined, JSON.stringify(body));
  assert.equal(body.generated_sql, cheap);
  const attempts = body.attempts as { sql: string; error?: { code: string; message: string } }[];
  assert.equal(attempts.length, 2);
  assert.equal(attempts[0].sql, expensive);
  assert.equal(attempts[0].error?.code, "QUERY_TOO_EXPENSIVE");
  assert.match(attempts[0].error?.message ?? "", /planner estimates a cost of \d+/);
  assert.equal(attempts[1].error, undefined);
  assert.deepEqual((body.data as { rows: unknown[][] }).rows, [["4044"]]);

  // The repair prompt carries the refusal and asks for a cheaper query.
  assert.equal(nl.llm.chatRequests().length, 3);
  const repair = nl.promptText(1);
  assert.match(repair, /PostgreSQL rejected that query: Cannot run the query: the planner/);
  assert.match(repair, new RegExp(`above the limit of ${LIMIT} \\(SECURITY_MAX_QUERY_COST\\)`));
  assert.match(repair, /write a cheaper query/);
  assert.doesNotMatch(nl.promptText(0), /cheaper query/);

  const metrics = await nl.app.metrics.render();
  assert.match(metrics, /pg_mcp_database_errors_total\{code="QUERY_TOO_EXPENSIVE"\} 1\n/);
  assert.match(metrics, /pg_mcp_queries_total\{tool="query",status="ok"\} 1\n/);
  assert.match(
    metrics,
    /pg_mcp_sql_generation_duration_seconds_count\{stage="repair"\} 1\n/,
  );
  const lines = nl.log.lines.map((l) => JSON.parse(l));
  const failed = lines.filter((l) => l.event === "query.attempt_failed");
  assert.deepEqual(failed.map((l) => [l.attempt, l.code]), [[1, "QUERY_TOO_EXPENSIVE"]]);
  const audit = lines.filter((l) => l.event === "tool.called");
  assert.equal(audit.length, 1);
  assert.equal(audit[0].tool, "query");
  assert.equal(audit[0].outcome, "ok");
  assert.equal(audit[0].rows, 1);
});

Deno.test("cost gate in query: still too expensive after the last attempt ends with the refusal and its plan", async () => {
  const expensive = "SELECT count(*) AS n FROM cd.bookings a, cd.bookings b, cd.bookings c";
  await using nl = await startNlApp([sqlAnswer(expensive), sqlAnswer(expensive)], {
    env: { SECURITY_MAX_QUERY_COST: String(LIMIT), LLM_MAX_ATTEMPTS: "2" },
  });
  await using mcp = await connectInMemory(nl.app.server);
  nl.log.lines.length = 0;
  const result = await mcp.client.callTool({
    name: "query",
    arguments: { question: "How many triples of bookings are there?" },
  });
  assert.equal(result.isError, true);
  const error = (result.structuredContent as { error: Refusal }).error;
  assert.equal(error.code, "QUERY_TOO_EXPENSIVE");
  assert.equal(error.details.max_cost, LIMIT);
  // Relations as the plan names them (EXPLAIN without VERBOSE gives no schema).
  assert.ok(error.details.plan.some((n) => n.relation === "bookings"));
  assert.equal(nl.llm.chatRequests().length, 2);
  // A refusal of the policy, like SECURITY_VIOLATION: at WARNING, as tool.refused.
  const audit = nl.log.lines.map((l) => JSON.parse(l)).filter((l) => l.event.startsWith("tool."));
  assert.equal(audit.length, 1);
  assert.equal(audit[0].event, "tool.refused");
  assert.equal(audit[0].level, "WARNING");
  assert.equal(audit[0].outcome, "QUERY_TOO_EXPENSIVE");
  const metrics = await nl.app.metrics.render();
  assert.match(metrics, /pg_mcp_database_errors_total\{code="QUERY_TOO_EXPENSIVE"\} 2\n/);
  assert.match(metrics, /pg_mcp_queries_total\{tool="query",status="QUERY_TOO_EXPENSIVE"\} 1\n/);
});
