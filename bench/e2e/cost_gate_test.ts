import assert from "node:assert/strict";
import { type CostGateBudget, measureCostGate } from "./cost_gate.ts";
import type { Results } from "./metrics.ts";
import type { ModeName, Session } from "./session.ts";

const TINY: CostGateBudget = {
  select1: { warmup: 1, iterations: 3, maxMs: 1_000 },
  lookups: { inFlight: 1, warmup: 1, calls: 3, maxMs: 1_000 },
};

/** A session answering `rows` rows to every statement, counting its calls and closes. */
function fake(mode: ModeName, rows = 1) {
  const seen: string[] = [];
  let closed = 0;
  const session: Session = {
    mode,
    query: (sql) => {
      seen.push(sql);
      return Promise.resolve(rows);
    },
    close: () => {
      closed++;
      return Promise.resolve();
    },
  };
  return { session, seen, closed: () => closed };
}

Deno.test("measureCostGate() opens each pg-mcp mode gated, records both figures per mode, closes what it opened", async () => {
  const raw = fake("raw");
  const stdio = fake("stdio");
  const reference = fake("reference");
  const gated = new Map<ModeName, ReturnType<typeof fake>>();
  const results: Results = {};
  await measureCostGate(
    [raw.session, reference.session, stdio.session],
    (mode) => {
      const g = fake(mode);
      gated.set(mode, g);
      return Promise.resolve(g.session);
    },
    results,
    () => undefined,
    TINY,
  );
  assert.deepEqual([...gated.keys()], ["stdio"]);
  assert.equal(gated.get("stdio")!.closed(), 1);
  assert.equal(stdio.closed(), 0, "the run's own sessions stay open");
  assert.equal(reference.seen.length, 0, "the reference server has no cost gate");
  assert.deepEqual(Object.keys(results.select1_gate_p50_ms!), ["raw", "stdio"]);
  assert.deepEqual(Object.keys(results.pk_seq_gate_calls_s!), ["raw", "stdio"]);
  assert.deepEqual(Object.keys(results.gate_select1_extra_ms!), ["stdio"]);
  assert.ok(Number.isFinite(results.gate_pk_seq_extra_ms!.stdio));
  // Gated and plain sessions ran the same statements, in turns.
  assert.deepEqual(gated.get("stdio")!.seen, stdio.seen);
  assert.ok(stdio.seen.includes("SELECT 1 AS one"));
  assert.ok(stdio.seen.some((sql) => /WHERE id = \d+$/.test(sql)));
});

Deno.test("measureCostGate() fails a gated session that answers the wrong rows (a refusal), and closes it", async () => {
  const gated = fake("http", 0);
  await assert.rejects(
    measureCostGate(
      [fake("http").session],
      () => Promise.resolve(gated.session),
      {},
      () => undefined,
      TINY,
    ),
    /Cannot measure http: 0 rows for "SELECT 1 AS one", expected 1/,
  );
  assert.equal(gated.closed(), 1);
});

Deno.test("measureCostGate() does nothing without a pg-mcp session", async () => {
  const results: Results = {};
  await measureCostGate(
    [fake("raw").session],
    () => Promise.reject(new Error("not called")),
    results,
    () => undefined,
    TINY,
  );
  assert.deepEqual(results, {});
});
