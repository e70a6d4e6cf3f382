import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { CHINOOK } from "./chinook.ts";
import { PlanGuard, statementText, type Verdict } from "./plan_guard.ts";

const CROSS_JOIN = "SELECT count(*) FROM track a, track b, track c"; // planner cost ~6.4e8
const LIMIT = 10_000_000;

function typed(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type.charCodeAt(0);
  new DataView(out.buffer).setInt32(1, 4 + body.length);
  out.set(body, 5);
  return out;
}
const z = (s: string) => new TextEncoder().encode(s + "\0");
const parse = (sql: string) => typed("P", new Uint8Array([...z(""), ...z(sql), 0, 0]));
const query = (sql: string) => typed("Q", z(sql));
const bind = () => typed("B", new Uint8Array([...z(""), ...z(""), 0, 0, 0, 0, 0, 0]));
const sync = () => typed("S", new Uint8Array());

function replyText(verdict: Verdict): string {
  assert.equal(verdict.kind, "refuse");
  return new TextDecoder().decode(verdict.kind === "refuse" ? verdict.reply : new Uint8Array());
}

Deno.test("statementText() reads the SQL of Parse and Query messages only", () => {
  assert.deepEqual(statementText(parse("SELECT 1")), { kind: "parse", text: "SELECT 1" });
  assert.deepEqual(statementText(query("SELECT 2")), { kind: "query", text: "SELECT 2" });
  assert.equal(statementText(bind()), undefined);
  assert.equal(statementText(sync()), undefined);
});

Deno.test("PlanGuard refuses a runaway cross join before it starts, and lets the rest through", async () => {
  const pg = await PGlite.create();
  try {
    await pg.exec(CHINOOK.script);
    await pg.exec("VACUUM ANALYZE"); // as the demo's build does: the estimates need statistics
    const guard = new PlanGuard(pg, LIMIT);

    // Extended protocol: the Parse is answered with 57014, the batch is skipped up to its Sync.
    const refused = await guard.check(parse(CROSS_JOIN));
    assert.match(replyText(refused), /C57014\0Mcanceling statement: the demo database expects/);
    assert.equal((await guard.check(bind())).kind, "drop");
    assert.equal((await guard.check(sync())).kind, "forward");

    assert.equal((await guard.check(parse("SELECT name FROM artist LIMIT 3"))).kind, "forward");
    assert.equal((await guard.check(bind())).kind, "forward");
    assert.equal((await guard.check(query("BEGIN READ ONLY"))).kind, "forward");

    // Inside a transaction: refused with ReadyForQuery "T", and the transaction still works,
    // also after a statement EXPLAIN cannot plan (the guard's savepoint undid its error).
    await pg.exec("BEGIN READ ONLY");
    const inTransaction = await guard.check(query(CROSS_JOIN));
    assert.ok(replyText(inTransaction).endsWith("Z\0\0\0\x05T"));
    assert.equal((await guard.check(query("SELEC broken"))).kind, "forward");
    const rows = await pg.query<{ n: number }>("SELECT count(*)::int AS n FROM artist");
    assert.equal(rows.rows[0].n, 275);
    await pg.exec("ROLLBACK");
  } finally {
    await pg.close();
  }
});
