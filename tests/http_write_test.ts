/**
 * Write confirmation over Streamable HTTP: main.ts in HTTP mode with write mode on. The preview
 * and the commit are separate HTTP requests (the server keeps nothing between them but what the
 * signed token carries), even separate server processes sharing SECURITY_WRITE_CONFIRM_SECRET.
 */
import assert from "node:assert/strict";
import { callToolOverHttp } from "./support/http_rpc.ts";
import { loadSample } from "./support/samples.ts";
import { startHttpServer } from "./support/spawn_server.ts";
import { sharedTestCluster } from "./support/test_cluster.ts";

const SECRET = "http-write-test-secret-0123456789abcdef";
const TOKEN = "http-write-token";

Deno.test("execute_write over HTTP: preview in one request, commit in another, once", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  const env = {
    DATABASE_URL: dbUrl,
    DATABASE_MIN_POOL_SIZE: "0",
    SECURITY_ALLOW_WRITE_OPERATIONS: "true",
    SECURITY_WRITE_CONFIRM_SECRET: SECRET,
    MCP_HTTP_AUTH_TOKEN: TOKEN,
  };
  await using first = await startHttpServer(env);
  await using second = await startHttpServer(env);
  const write = (baseUrl: string, args: Record<string, unknown>) =>
    callToolOverHttp(baseUrl, TOKEN, "execute_write", args);
  const slots = async () =>
    Number(
      (await cluster.psql(dbUrl, "SELECT sum(slots) FROM cd.bookings WHERE facid = 0")).trim(),
    );
  const before = await slots();
  const rows = Number(
    (await cluster.psql(dbUrl, "SELECT count(*) FROM cd.bookings WHERE facid = 0")).trim(),
  );
  assert.ok(rows > 1);

  const sql = "UPDATE cd.bookings SET slots = slots + 1 WHERE facid = 0";
  const preview = await write(first.baseUrl, { sql });
  assert.equal(preview.status, 200);
  assert.equal(preview.isError, false, JSON.stringify(preview.structured));
  assert.deepEqual(
    [preview.structured.committed, preview.structured.affected_rows],
    [false, rows],
  );
  const token = preview.structured.confirm_token as string;
  assert.ok(Date.parse(preview.structured.expires_at as string) > Date.now());
  assert.equal(await slots(), before, "a preview changes nothing");

  // Another statement, or the same one altered, cannot use the token.
  const other = await write(first.baseUrl, {
    sql: "UPDATE cd.bookings SET slots = slots + 1 WHERE facid = 1",
    confirm_token: token,
  });
  assert.equal(other.isError, true);
  assert.equal(
    (other.structured.error as { details: { reason: string } }).details.reason,
    "token_mismatch",
  );
  const spaced = await write(first.baseUrl, { sql: `${sql} `, confirm_token: token });
  assert.equal(
    (spaced.structured.error as { details: { reason: string } }).details.reason,
    "token_mismatch",
  );
  assert.equal(await slots(), before);

  // The commit reaches another server process: only the token links the two requests.
  const commit = await write(second.baseUrl, { sql, confirm_token: token });
  assert.equal(commit.isError, false, JSON.stringify(commit.structured));
  assert.deepEqual([commit.structured.committed, commit.structured.affected_rows], [true, rows]);
  assert.equal(await slots(), before + rows, "committed once");

  const replay = await write(second.baseUrl, { sql, confirm_token: token });
  assert.equal(replay.isError, true);
  assert.equal(
    (replay.structured.error as { details: { reason: string } }).details.reason,
    "token_used",
  );
  assert.equal(await slots(), before + rows, "a replay changes nothing");

  // Reads stay read-only over HTTP too.
  const read = await callToolOverHttp(first.baseUrl, TOKEN, "execute_sql", { sql });
  assert.equal((read.structured.error as { code: string }).code, "SECURITY_VIOLATION");
  assert.equal(await slots(), before + rows);
});

Deno.test("execute_write over HTTP with SECURITY_WRITE_LEDGER_TABLE: a token commits once across instances", async () => {
  const cluster = await sharedTestCluster();
  const dbUrl = await loadSample(cluster, "pgexercises");
  const ledger = await Deno.readTextFile(new URL("../docs/write_ledger.sql", import.meta.url));
  // The recipe as written, for a role named mcp_writer (here the superuser does the writes).
  await cluster.psql(dbUrl, "CREATE ROLE mcp_writer;" + ledger);
  const env = {
    DATABASE_URL: dbUrl,
    DATABASE_MIN_POOL_SIZE: "0",
    SECURITY_ALLOW_WRITE_OPERATIONS: "true",
    SECURITY_WRITE_CONFIRM_SECRET: SECRET,
    SECURITY_WRITE_LEDGER_TABLE: "pgmcp.write_confirmations",
    MCP_HTTP_AUTH_TOKEN: TOKEN,
  };
  await using first = await startHttpServer(env);
  await using second = await startHttpServer(env);
  const write = (baseUrl: string, args: Record<string, unknown>) =>
    callToolOverHttp(baseUrl, TOKEN, "execute_write", args);
  const sql = "INSERT INTO cd.facilities (facid, name, membercost, guestcost, initialoutlay, " +
    "monthlymaintenance) VALUES (100, 'Ledger court', 1, 2, 3, 4)";
  const count = async () =>
    Number((await cluster.psql(dbUrl, "SELECT count(*) FROM cd.facilities")).trim());
  const before = await count();
  const preview = await write(first.baseUrl, { sql });
  const token = preview.structured.confirm_token as string;
  const commit = await write(first.baseUrl, { sql, confirm_token: token });
  assert.equal(commit.isError, false, JSON.stringify(commit.structured));
  assert.equal(await count(), before + 1);
  // The other instance has never seen the token: only the ledger can refuse it.
  const replay = await write(second.baseUrl, { sql, confirm_token: token });
  assert.equal(replay.isError, true, "a replay on another instance is refused");
  assert.equal(
    (replay.structured.error as { details: { reason: string } }).details.reason,
    "token_used",
  );
  assert.equal(await count(), before + 1, "and writes nothing");
  assert.equal(
    (await cluster.psql(dbUrl, "SELECT count(*) FROM pgmcp.write_confirmations")).trim(),
    "1",
  );
});
