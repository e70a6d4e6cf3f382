import assert from "node:assert/strict";
import { EXPLAIN_JSON, planSummary, positionInStatement } from "./plan.ts";

/** A plan node as `EXPLAIN (FORMAT JSON)` writes it (the fields planSummary reads, and others). */
function node(type: string, cost: number, rows: number, extra: Record<string, unknown> = {}) {
  return {
    "Node Type": type,
    "Parallel Aware": false,
    "Startup Cost": 0,
    "Total Cost": cost,
    "Plan Rows": rows,
    "Plan Width": 8,
    ...extra,
  };
}

/** Aggregate over a nested loop of two scans, one of them under a Materialize. */
const JOIN_PLAN = [{
  Plan: node("Aggregate", 1_250_000.5, 1, {
    Plans: [
      node("Nested Loop", 1_000_000.25, 9_000_000, {
        "Parent Relationship": "Outer",
        Plans: [
          node("Seq Scan", 50, 3_000, { "Relation Name": "big", Alias: "a" }),
          node("Materialize", 65, 3_000, {
            Plans: [node("Seq Scan", 50, 3_000, { "Relation Name": "big", Alias: "b" })],
          }),
        ],
      }),
    ],
  }),
}];

Deno.test("planSummary() reads the top node's cost and rows and lists the nodes breadth first", () => {
  assert.deepEqual(planSummary(JOIN_PLAN), {
    totalCost: 1_250_000.5,
    planRows: 1,
    nodes: [
      { node_type: "Aggregate", total_cost: 1_250_000.5, plan_rows: 1, depth: 0 },
      { node_type: "Nested Loop", total_cost: 1_000_000.25, plan_rows: 9_000_000, depth: 1 },
      { node_type: "Seq Scan", relation: "big", total_cost: 50, plan_rows: 3_000, depth: 2 },
      { node_type: "Materialize", total_cost: 65, plan_rows: 3_000, depth: 2 },
      { node_type: "Seq Scan", relation: "big", total_cost: 50, plan_rows: 3_000, depth: 3 },
    ],
  });
});

Deno.test("planSummary() takes the plan as JSON text too (json columns the driver leaves as text)", () => {
  assert.deepEqual(planSummary(JSON.stringify(JOIN_PLAN)), planSummary(JOIN_PLAN));
  assert.deepEqual(planSummary(JOIN_PLAN[0]), planSummary(JOIN_PLAN), "the object without array");
});

Deno.test("planSummary() qualifies a relation with its schema when the plan names it (VERBOSE)", () => {
  const plan = [{
    Plan: node("Seq Scan", 70.44, 4044, { "Relation Name": "bookings", Schema: "cd" }),
  }];
  assert.deepEqual(planSummary(plan).nodes, [
    {
      node_type: "Seq Scan",
      relation: "cd.bookings",
      total_cost: 70.44,
      plan_rows: 4044,
      depth: 0,
    },
  ]);
});

Deno.test("planSummary() keeps at most 8 nodes, the ones nearest the top", () => {
  // A chain of 12 nodes, each with one child; the root has a wide sibling set too.
  let chain: Record<string, unknown> = node("Seq Scan", 1, 1, { "Relation Name": "t11" });
  for (let i = 10; i >= 1; i--) chain = node(`Step ${i}`, 12 - i, 1, { Plans: [chain] });
  const root = node("Append", 100, 10, {
    Plans: [chain, ...Array.from({ length: 3 }, (_, i) => node(`Leaf ${i}`, 1, 1))],
  });
  const nodes = planSummary([{ Plan: root }]).nodes;
  assert.equal(nodes.length, 8);
  assert.deepEqual(nodes.map((n) => [n.node_type, n.depth]), [
    ["Append", 0],
    ["Step 1", 1],
    ["Leaf 0", 1],
    ["Leaf 1", 1],
    ["Leaf 2", 1],
    ["Step 2", 2],
    ["Step 3", 3],
    ["Step 4", 4],
  ]);
  assert.equal(planSummary([{ Plan: root }]).totalCost, 100);
});

Deno.test("planSummary() fills missing fields with neutral values", () => {
  assert.deepEqual(planSummary([{ Plan: { Plans: [{ "Node Type": "Result" }] } }]), {
    totalCost: 0,
    planRows: 0,
    nodes: [
      { node_type: "?", total_cost: 0, plan_rows: 0, depth: 0 },
      { node_type: "Result", total_cost: 0, plan_rows: 0, depth: 1 },
    ],
  });
});

Deno.test("planSummary() answers an empty summary for anything that is not a plan", () => {
  const empty = { totalCost: 0, planRows: 0, nodes: [] };
  for (const value of [undefined, null, "", "not json", "[]", [], [{}], { Plan: null }, 42]) {
    assert.deepEqual(planSummary(value), empty, JSON.stringify(value));
  }
});

Deno.test("positionInStatement() moves an EXPLAIN's error position into the statement", () => {
  const sql = "SELECT id, nosuch FROM big";
  const error = {
    message: 'column "nosuch" does not exist',
    position: String(EXPLAIN_JSON.length + 12),
  };
  assert.equal(positionInStatement(error), error);
  assert.equal(error.position, "12");
  assert.equal(sql.slice(11, 17), "nosuch");
  // No position, or one inside our own prefix (never PostgreSQL's answer): left as it is.
  const none = { message: "x" };
  assert.deepEqual(positionInStatement(none), { message: "x" });
  const early = { position: "3" };
  assert.deepEqual(positionInStatement(early), { position: "3" });
  assert.equal(positionInStatement(null), null);
  assert.equal(positionInStatement("text"), "text");
});
