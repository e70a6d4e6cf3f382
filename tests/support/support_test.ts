import assert from "node:assert/strict";
import postgres from "postgres";
import OpenAI from "openai";
import { sharedTestCluster, startTestCluster, uniqueName } from "./test_cluster.ts";
import { loadSample } from "./samples.ts";
import { startFakeLlm } from "./fake_llm.ts";

const external = Deno.env.get("TEST_DATABASE_URL") !== undefined;

async function withSql<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

Deno.test("uniqueName gives distinct valid identifiers", () => {
  const a = uniqueName("Chinook-DB");
  assert.match(a, /^chinook_db_[0-9a-f]{12}$/);
  assert.notEqual(a, uniqueName("Chinook-DB"));
});

Deno.test("cluster answers npm:postgres on 127.0.0.1", async () => {
  const cluster = await sharedTestCluster();
  if (!external) assert.equal(cluster.host, "127.0.0.1");
  const url = await cluster.createDatabase(uniqueName("plain"), {
    sql: ["CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2);"],
  });
  const rows = await withSql(url, (sql) => sql`SELECT count(*)::int AS n FROM t`);
  assert.equal(rows[0].n, 2);
  assert.equal(await cluster.psql(new URL(url).pathname.slice(1), "SELECT 40 + 2"), "42\n");
});

Deno.test("pgexercises sample loads with its row counts, without its role or settings", async () => {
  const cluster = await sharedTestCluster();
  const url = await loadSample(cluster, "pgexercises");
  const [counts] = await withSql(
    url,
    (sql) =>
      sql`SELECT (SELECT count(*)::int FROM cd.bookings) AS bookings,
               (SELECT count(*)::int FROM cd.facilities) AS facilities,
               (SELECT count(*)::int FROM cd.members) AS members,
               current_setting('default_transaction_read_only') AS read_only`,
  );
  assert.deepEqual({ ...counts }, { bookings: 4044, facilities: 9, members: 31, read_only: "off" });
});

Deno.test("chinook sample loads; each call gets its own copy", async () => {
  const cluster = await sharedTestCluster();
  const [a, b] = await Promise.all([
    loadSample(cluster, "chinook"),
    loadSample(cluster, "chinook"),
  ]);
  assert.notEqual(a, b);
  await withSql(a, (sql) => sql`DELETE FROM playlist_track`);
  const [counts] = await withSql(b, (sql) =>
    sql`SELECT (SELECT count(*)::int FROM track) AS track,
               (SELECT count(*)::int FROM invoice) AS invoice,
               (SELECT count(*)::int FROM playlist_track) AS playlist_track`);
  assert.deepEqual({ ...counts }, { track: 3503, invoice: 412, playlist_track: 8715 });
});

Deno.test("stop() shuts a started server down, or drops what it created on TEST_DATABASE_URL", async () => {
  const cluster = await sharedTestCluster();
  const name = uniqueName("doomed");
  await cluster.createDatabase(name);
  await cluster.stop();
  await cluster.stop(); // idempotent
  if (external) {
    const left = await cluster.psql(
      "postgres",
      `SELECT count(*) FROM pg_database WHERE datname = '${name}'`,
    );
    assert.equal(left, "0\n");
  } else {
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: cluster.port }),
      Deno.errors.ConnectionRefused,
    );
  }
  const next = await sharedTestCluster();
  assert.notEqual(next, cluster, "a stopped shared cluster is replaced");
  await next.stop();
});

function client(url: string, timeout = 5_000): OpenAI {
  return new OpenAI({ baseURL: url, apiKey: "test-key", maxRetries: 0, timeout });
}

Deno.test("fake LLM answers the openai client and records the request", async () => {
  await using fake = startFakeLlm(["SELECT 1", { content: "{}", usage: { prompt_tokens: 7 } }]);
  const openai = client(fake.url);
  const first = await openai.chat.completions.create({
    model: "gpt-test",
    messages: [{ role: "system", content: "be terse" }, { role: "user", content: "one?" }],
    temperature: 0,
    max_tokens: 50,
    response_format: { type: "json_object" },
  });
  assert.equal(first.choices[0].message.content, "SELECT 1");
  assert.equal(first.choices[0].finish_reason, "stop");
  assert.deepEqual(first.usage, { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 });
  const second = await openai.chat.completions.create({
    model: "gpt-test",
    messages: [{ role: "user", content: "json" }],
  });
  assert.equal(second.choices[0].message.content, "{}");
  assert.deepEqual(second.usage, { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 });

  const [req] = fake.chatRequests();
  assert.equal(req.path, "/v1/chat/completions");
  assert.equal(req.headers.authorization, "Bearer test-key");
  assert.equal(req.body?.model, "gpt-test");
  assert.equal(req.body?.temperature, 0);
  assert.equal(req.body?.max_tokens, 50);
  assert.deepEqual(req.body?.response_format, { type: "json_object" });
  assert.deepEqual(req.body?.messages?.map((m) => m.role), ["system", "user"]);

  const models = await openai.models.list();
  assert.equal(models.data[0].id, "fake-model");
});

Deno.test("fake LLM errors surface as openai errors; an exhausted script is a 500", async () => {
  await using fake = startFakeLlm([
    { status: 429, message: "slow down" },
    { status: 500 },
    (req) => `echo ${req.body?.messages?.[0].content}`,
  ]);
  const openai = client(fake.url);
  const ask = (content: string) =>
    openai.chat.completions.create({ model: "m", messages: [{ role: "user", content }] });
  await assert.rejects(ask("a"), (err) => {
    assert.ok(err instanceof OpenAI.RateLimitError);
    assert.equal(err.status, 429);
    assert.match(err.message, /slow down/);
    return true;
  });
  await assert.rejects(ask("b"), OpenAI.InternalServerError);
  assert.equal((await ask("c")).choices[0].message.content, "echo c");
  await assert.rejects(ask("d"), /script exhausted/);
  assert.equal(fake.requests.length, 4);
});

Deno.test("a stalled fake LLM makes a 200 ms client time out", async () => {
  await using fake = startFakeLlm([{ stallMs: 10_000, then: "too late" }, "on time"]);
  const openai = client(fake.url, 200);
  const ask = () => openai.chat.completions.create({ model: "m", messages: [] });
  const started = Date.now();
  await assert.rejects(ask(), OpenAI.APIConnectionTimeoutError);
  assert.ok(Date.now() - started < 2_000);
  assert.equal((await ask()).choices[0].message.content, "on time");
});

Deno.test("a cluster of its own goes down and up on the same port; the shared one refuses", async () => {
  const shared = await sharedTestCluster();
  await assert.rejects(shared.restartServer(), /shared test cluster|external server/);
  await assert.rejects(shared.stopServer(), /shared test cluster|external server/);
  const cluster = await startTestCluster({ local: true });
  try {
    const pid = async () => Number(await cluster.psql("postgres", "SELECT pg_backend_pid()"));
    const backendBefore = await pid();
    await cluster.restartServer();
    assert.equal(await cluster.psql("postgres", "SELECT 1"), "1\n");
    assert.notEqual(await pid(), backendBefore);
    await cluster.stopServer();
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: cluster.port }),
      Deno.errors.ConnectionRefused,
    );
    await cluster.startServer();
    assert.equal(await cluster.psql("postgres", "SELECT 2"), "2\n");
    await cluster.restartServer();
  } finally {
    await cluster.stop();
  }
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: cluster.port }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("a cluster stopped by stopServer() is still cleaned up by stop()", async () => {
  const cluster = await startTestCluster({ local: true });
  await cluster.stopServer();
  await cluster.stop();
  await assert.rejects(cluster.startServer(), /removed/);
});

Deno.test("fake LLM: status steps carry headers, raw steps send a body verbatim, requests are timed", async () => {
  await using fake = startFakeLlm([
    { status: 429, headers: { "retry-after": "2" } },
    { raw: "<html>502 Bad Gateway</html>" },
    { raw: "not json", status: 200, headers: { "content-type": "text/plain" } },
  ]);
  const post = () =>
    fetch(`${fake.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [] }),
    });
  const limited = await post();
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "2");
  assert.equal((await limited.json()).error.code, "rate_limit_exceeded");
  const garbage = await post();
  assert.equal(garbage.status, 200);
  assert.equal(garbage.headers.get("content-type"), "application/json");
  assert.equal(await garbage.text(), "<html>502 Bad Gateway</html>");
  const plain = await post();
  assert.equal(plain.headers.get("content-type"), "text/plain");
  assert.equal(await plain.text(), "not json");
  const [a, b, c] = fake.chatRequests().map((r) => r.receivedAt);
  assert.ok(a <= b && b <= c && c <= performance.now());
  // The openai client reads the garbage 200 as an error, not as a completion.
  fake.push({ raw: "<html>502 Bad Gateway</html>" });
  await assert.rejects(
    client(fake.url).chat.completions.create({ model: "m", messages: [] }),
  );
});
