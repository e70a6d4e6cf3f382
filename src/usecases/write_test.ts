/**
 * writeData() with a fake clock, against a real PostgreSQL (pgexercises) through createApp: a
 * confirm token commits its statement once, on its database, until it expires.
 */
import assert from "node:assert/strict";
import { loadSample } from "../../tests/support/samples.ts";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import { createApp } from "../app.ts";
import { loadConfig } from "../config/load_config.ts";
import type { Result } from "../errors.ts";
import { createMemoryLogger } from "../log.ts";
import { createNonceLedger, type WriteAnswer, writeData } from "./write.ts";

const TEN_MINUTES = 10 * 60_000;

async function start() {
  const cluster = await sharedTestCluster();
  const url = await loadSample(cluster, "pgexercises");
  const config = loadConfig({
    DATABASE_URL: url,
    DATABASE_MIN_POOL_SIZE: "0",
    SECURITY_ALLOW_WRITE_OPERATIONS: "true",
    SECURITY_WRITE_CONFIRM_SECRET: "a-test-secret-of-at-least-32-characters",
    OBSERVABILITY_METRICS_ENABLED: "false",
  });
  if (!config.ok) throw config.error;
  let t = Date.parse("2026-01-01T00:00:00Z");
  const app = await createApp(config.value, createMemoryLogger("ERROR"), "test", {
    now: () => t,
  });
  const deps = app.usecases.write;
  assert.ok(deps, "write mode is on");
  const surname = async () =>
    (await cluster.psql(url, "SELECT surname FROM cd.members WHERE memid = 1")).trim();
  return {
    deps,
    surname,
    advance: (ms: number) => void (t += ms),
    at: () => t,
    [Symbol.asyncDispose]: () => app.close(),
  };
}

function answered(r: Result<WriteAnswer>): WriteAnswer {
  if (!r.ok) assert.fail(`expected an answer, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function reason(r: Result<WriteAnswer>): unknown {
  if (r.ok) assert.fail("expected a refusal");
  assert.equal(r.error.code, "INVALID_INPUT");
  return r.error.details.reason;
}

Deno.test("writeData() refuses a confirm token once it has expired, and nothing is written", async () => {
  await using w = await start();
  const before = await w.surname();
  const sql = "UPDATE cd.members SET surname = 'Expired' WHERE memid = 1";
  const preview = answered(await writeData({ sql }, w.deps));
  assert.equal(preview.committed, false);
  assert.equal(preview.expires_at, new Date(w.at() + TEN_MINUTES).toISOString());
  w.advance(TEN_MINUTES);
  assert.equal(
    reason(await writeData({ sql, confirmToken: preview.confirm_token }, w.deps)),
    "token_expired",
  );
  assert.equal(await w.surname(), before);
});

Deno.test("writeData() commits with a token just before it expires, then never again", async () => {
  await using w = await start();
  const sql = "UPDATE cd.members SET surname = 'InTime' WHERE memid = 1";
  const preview = answered(await writeData({ sql }, w.deps));
  w.advance(TEN_MINUTES - 1);
  const commit = answered(await writeData({ sql, confirmToken: preview.confirm_token }, w.deps));
  assert.deepEqual([commit.committed, commit.affected_rows], [true, 1]);
  assert.equal(await w.surname(), "InTime");
  assert.equal(
    reason(await writeData({ sql, confirmToken: preview.confirm_token }, w.deps)),
    "token_used",
  );
});

Deno.test("writeData() accepts a token issued by another process with the same secret", async () => {
  await using a = await start();
  await using b = await start();
  // Same secret, same database name ("default"): b's token is one a issued, in effect.
  const sql = "UPDATE cd.members SET surname = 'Shared' WHERE memid = 1";
  const preview = answered(await writeData({ sql }, b.deps));
  const commit = answered(await writeData({ sql, confirmToken: preview.confirm_token }, a.deps));
  assert.equal(commit.committed, true);
  assert.equal(await a.surname(), "Shared");
});

Deno.test("createNonceLedger() keeps a nonce until its expiry, and frees a released one", () => {
  let t = 0;
  const ledger = createNonceLedger(() => t);
  assert.equal(ledger.claim("n1", 100), true);
  assert.equal(ledger.claim("n1", 100), false);
  ledger.release("n1");
  assert.equal(ledger.claim("n1", 100), true);
  t = 100; // expired entries are forgotten: the token's own expiry refuses it by then
  assert.equal(ledger.claim("n1", 200), true);
});
