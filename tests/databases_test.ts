/**
 * Several databases served by one pg-mcp: pgexercises as the default database (DATABASE_URL) and
 * chinook as `music` (DATABASE_URL_MUSIC, through the README's read-only role), in one test
 * cluster. Every database tool against each, list_databases, the `database` argument missing,
 * unknown and wrong for a table, prompts built from the named database's schema only, the
 * resources of both; through the official MCP client in memory (createApp) and over stdio.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/load_config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createReadOnlyRole } from "./safety/readonly_role.ts";
import { startFakeLlm } from "./support/fake_llm.ts";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { type Body, callTool, failure } from "./support/mcp_call.ts";
import { sqlAnswer, startNlApp } from "./support/nl_app.ts";
import { loadSample } from "./support/samples.ts";
import { startServer } from "./support/spawn_server.ts";
import { sharedTestCluster, type TestCluster } from "./support/test_cluster.ts";

interface Pair {
  cluster: TestCluster;
  /** pgexercises, superuser. */
  defaultUrl: string;
  /** chinook, superuser (the test's own reads and writes). */
  musicAdminUrl: string;
  /** chinook as the README's read-only role (what pg-mcp gets). */
  musicUrl: string;
}

async function twoDatabases(): Promise<Pair> {
  const cluster = await sharedTestCluster();
  const defaultUrl = await loadSample(cluster, "pgexercises");
  const musicAdminUrl = await loadSample(cluster, "chinook");
  const role = await createReadOnlyRole(cluster, new URL(musicAdminUrl).pathname.slice(1));
  return { cluster, defaultUrl, musicAdminUrl, musicUrl: role.url };
}

async function psql(pair: Pair, url: string, sql: string): Promise<string> {
  return (await pair.cluster.psql(url, sql)).trim();
}

const TOOLS_WITH_DATABASE: [string, Record<string, unknown>][] = [
  ["query", { question: "How many rows?" }],
  ["execute_sql", { sql: "SELECT 1 AS one" }],
  ["list_schemas", {}],
  ["list_tables", {}],
  ["describe_table", { table: "members" }],
  ["search_schema", { query: "members" }],
  ["refresh_schema", {}],
];

Deno.test("several databases: every tool answers from the database it names", async (t) => {
  const pair = await twoDatabases();
  await using nl = await startNlApp([], {
    dbUrl: pair.defaultUrl,
    env: { DATABASE_URL_MUSIC: pair.musicUrl, LLM_VALIDATE_RESULTS: "false" },
  });
  await using mcp = await connectInMemory(nl.app.server);
  const { client } = mcp;
  const call = (name: string, args: Record<string, unknown> = {}) => callTool(client, name, args);

  await t.step(
    "execute_sql runs on the named database, the default one without a name",
    async () => {
      const members = await psql(pair, pair.defaultUrl, "SELECT count(*) FROM cd.members");
      const artists = await psql(pair, pair.musicAdminUrl, "SELECT count(*) FROM artist");
      const plain = await call("execute_sql", { sql: "SELECT count(*) AS n FROM cd.members" });
      assert.equal(plain.body.database, "default");
      assert.deepEqual(plain.body.data.rows, [[members]]);
      const named = await call("execute_sql", {
        sql: "SELECT count(*) AS n FROM cd.members",
        database: "default",
      });
      assert.deepEqual(named.body.data.rows, [[members]]);
      const music = await call("execute_sql", {
        sql: "SELECT count(*) AS n FROM artist",
        database: "music",
      });
      assert.equal(music.isError, false, music.text);
      assert.equal(music.body.database, "music");
      assert.deepEqual(music.body.data.rows, [[artists]]);
      const upper = await call("execute_sql", { sql: "SELECT 1 AS one", database: "MUSIC" });
      assert.equal(upper.body.database, "music", "names are case-insensitive");
      // Each statement meets its own database's catalog.
      const elsewhere = await call("execute_sql", {
        sql: "SELECT count(*) FROM cd.members",
        database: "music",
      });
      assert.equal(elsewhere.isError, true);
      assert.equal(elsewhere.body.error.code, "DB_FAILED");
      assert.equal(elsewhere.body.error.details.sqlstate, "42P01");
      const db = await call("execute_sql", {
        sql: "SELECT current_database() AS name, current_user AS role",
        database: "music",
      });
      assert.deepEqual(db.body.data.rows[0], [
        new URL(pair.musicAdminUrl).pathname.slice(1),
        new URL(pair.musicUrl).username,
      ]);
    },
  );

  await t.step("list_schemas, list_tables, describe_table per database", async () => {
    const schemas = await call("list_schemas");
    assert.deepEqual(
      schemas.body.schemas.filter((s: Body) => s.tables > 0).map((s: Body) => [s.name, s.tables]),
      [["cd", 3]],
    );
    const musicSchemas = await call("list_schemas", { database: "music" });
    assert.equal(musicSchemas.body.database, "music");
    assert.deepEqual(musicSchemas.body.schemas.map((s: Body) => [s.name, s.tables]), [
      ["public", 11],
    ]);

    const tables = await call("list_tables", { database: "default" });
    assert.deepEqual(tables.body.tables.map((x: Body) => `${x.schema}.${x.name}`).sort(), [
      "cd.bookings",
      "cd.facilities",
      "cd.members",
    ]);
    const musicTables = await call("list_tables", { database: "music" });
    const names = musicTables.body.tables.map((x: Body) => x.name).sort();
    const expected = (await psql(
      pair,
      pair.musicAdminUrl,
      "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
    )).split(",");
    assert.deepEqual(names, expected);

    const members = await call("describe_table", { table: "members" });
    assert.equal(members.body.database, "default");
    assert.equal(members.body.schema, "cd");
    assert.deepEqual(members.body.primary_key, ["memid"]);
    const album = await call("describe_table", { table: "album", database: "music" });
    assert.equal(album.body.database, "music");
    assert.deepEqual(album.body.columns.map((c: Body) => c.name), [
      "album_id",
      "title",
      "artist_id",
    ]);
    assert.deepEqual(album.body.foreign_keys.map((fk: Body) => fk.ref_table), ["artist"]);
  });

  await t.step("search_schema and refresh_schema per database", async () => {
    const courts = await call("search_schema", { query: "facility bookings", limit: 3 });
    assert.equal(courts.body.database, "default");
    assert.ok(courts.body.results.every((r: Body) => r.schema === "cd"));
    const music = await call("search_schema", {
      query: "Which artist recorded each album?",
      database: "music",
    });
    assert.equal(music.body.database, "music");
    assert.deepEqual(music.body.results.slice(0, 2).map((r: Body) => r.table).sort(), [
      "album",
      "artist",
    ]);

    await pair.cluster.psql(pair.musicAdminUrl, "CREATE TABLE public.label (id int)");
    const refreshed = await call("refresh_schema", { database: "music" });
    assert.equal(refreshed.isError, false, refreshed.text);
    assert.deepEqual([refreshed.body.database, refreshed.body.tables], ["music", 12]);
    const other = await call("refresh_schema");
    assert.deepEqual([other.body.database, other.body.tables], ["default", 3]);
    const label = await call("describe_table", { table: "label", database: "music" });
    assert.equal(label.isError, false, label.text);
    const notHere = await call("describe_table", { table: "label" });
    assert.equal(notHere.body.error.code, "NOT_FOUND");
  });

  await t.step("query writes SQL from the named database's schema only", async () => {
    nl.llm.push(
      sqlAnswer("SELECT count(*) AS n FROM artist"),
      sqlAnswer("SELECT count(*) AS n FROM cd.facilities"),
    );
    const before = nl.llm.chatRequests().length;
    const music = await call("query", { question: "How many artists?", database: "music" });
    assert.equal(music.isError, false, music.text);
    assert.equal(music.body.database, "music");
    assert.deepEqual(music.body.data.rows, [[
      await psql(pair, pair.musicAdminUrl, "SELECT count(*) FROM artist"),
    ]]);
    const musicPrompt = nl.promptText(before);
    assert.match(musicPrompt, /TABLE public\.artist \(/);
    assert.doesNotMatch(musicPrompt, /\bcd\.|facilities|bookings/);

    const courts = await call("query", { question: "How many facilities?" });
    assert.equal(courts.isError, false, courts.text);
    assert.equal(courts.body.database, "default");
    assert.deepEqual(courts.body.data.rows, [[
      await psql(pair, pair.defaultUrl, "SELECT count(*) FROM cd.facilities"),
    ]]);
    const defaultPrompt = nl.promptText(before + 1);
    assert.match(defaultPrompt, /TABLE cd\.facilities \(/);
    assert.doesNotMatch(defaultPrompt, /public\.|artist|invoice/);
  });

  await t.step("list_databases: names, the default, server version, read-only role", async () => {
    const listed = await call("list_databases");
    assert.equal(listed.isError, false, listed.text);
    const version = await psql(pair, pair.defaultUrl, "SHOW server_version");
    const [first, second] = listed.body.databases;
    assert.equal(listed.body.databases.length, 2);
    assert.deepEqual(
      [first.name, first.default, first.server_version, first.read_only_role],
      ["default", true, version, false],
    );
    assert.ok(first.problems.includes("superuser"), JSON.stringify(first.problems));
    assert.deepEqual(second, {
      name: "music",
      default: false,
      server_version: version,
      read_only_role: true,
    });
  });

  await t.step("an unknown database is NOT_FOUND naming the choices, for every tool", async () => {
    const before = nl.llm.chatRequests().length;
    for (const [name, args] of TOOLS_WITH_DATABASE) {
      const r = await call(name, { ...args, database: "sales" });
      assert.equal(r.isError, true, name);
      assert.deepEqual(failure(r), { code: "NOT_FOUND", reason: "unknown_database" }, name);
      assert.deepEqual(r.body.error.details.choices, ["default", "music"], name);
      assert.match(r.body.error.message, /^Cannot find database "sales"/);
    }
    assert.equal(nl.llm.chatRequests().length, before, "no prompt for an unknown database");
  });

  await t.step("a table of the other database is NOT_FOUND", async () => {
    for (
      const args of [
        { table: "members", schema: "cd", database: "music" },
        { table: "members", database: "music" },
        { table: "artist", database: "default" },
        { table: "artist", schema: "public" },
      ]
    ) {
      const r = await call("describe_table", args);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.equal(r.body.error.code, "NOT_FOUND", JSON.stringify(args));
    }
    const schema = await call("list_tables", { schema: "cd", database: "music" });
    assert.equal(schema.body.error.code, "NOT_FOUND");
  });

  await t.step("a cursor of one database does not page the other", async () => {
    const sql = "SELECT 1 AS n UNION ALL SELECT 2";
    const page = await call("execute_sql", { sql, database: "music", max_rows: 1 });
    assert.equal(typeof page.body.next_cursor, "string");
    const other = await call("execute_sql", { sql, cursor: page.body.next_cursor });
    assert.deepEqual(failure(other), { code: "INVALID_INPUT", reason: "cursor_mismatch" });
    const same = await call("execute_sql", {
      sql,
      database: "music",
      cursor: page.body.next_cursor,
    });
    assert.deepEqual(same.body.data.rows, [[2]]);
  });

  await t.step("resources of both databases, with completion of database names", async () => {
    await assertResources(client, pair);
  });
});

async function assertResources(client: Client, pair: Pair) {
  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  for (
    const uri of [
      "schema://default/overview",
      "schema://music/overview",
      "schema://default/table/cd/members",
      "schema://music/table/public/artist",
    ]
  ) assert.ok(uris.includes(uri), uri);

  const overview = await client.readResource({ uri: "schema://music/overview" });
  const text = (overview.contents[0] as { text: string }).text;
  const dbName = new URL(pair.musicAdminUrl).pathname.slice(1);
  assert.match(text, new RegExp(`^Database music \\(${dbName}\\)`));
  assert.match(text, /Schema public \(1[12] tables\)/);
  assert.match(text, /\n {2}invoice_line \(table[,)]/);
  assert.doesNotMatch(text, /members|facilities/);
  const courts = await client.readResource({ uri: "schema://default/overview" });
  assert.match((courts.contents[0] as { text: string }).text, /Schema cd \(3 tables\)/);

  const artist = await client.readResource({ uri: "schema://music/table/public/artist" });
  assert.match((artist.contents[0] as { text: string }).text, /^TABLE public\.artist \(/);
  const members = await client.readResource({ uri: "schema://default/table/cd/members" });
  assert.match((members.contents[0] as { text: string }).text, /^TABLE cd\.members \(/);
  await assert.rejects(
    client.readResource({ uri: "schema://music/table/cd/members" }),
    /Cannot describe table/,
  );
  await assert.rejects(
    client.readResource({ uri: "schema://sales/overview" }),
    /Cannot find database "sales"/,
  );

  const complete = (uri: string, name: string, value: string, args?: Record<string, string>) =>
    client.complete({
      ref: { type: "ref/resource", uri },
      argument: { name, value },
      ...(args ? { context: { arguments: args } } : {}),
    }).then((r) => r.completion.values);
  const overviewT = "schema://{database}/overview";
  const tableT = "schema://{database}/table/{schema}/{table}";
  assert.deepEqual(await complete(overviewT, "database", ""), ["default", "music"]);
  assert.deepEqual(await complete(overviewT, "database", "mu"), ["music"]);
  assert.deepEqual(await complete(tableT, "database", "de"), ["default"]);
  assert.deepEqual(await complete(tableT, "schema", "", { database: "music" }), ["public"]);
  assert.deepEqual(await complete(tableT, "schema", "c", { database: "default" }), ["cd"]);
  assert.deepEqual(await complete(tableT, "schema", "c", { database: "music" }), []);
  assert.deepEqual(
    await complete(tableT, "table", "in", { database: "music", schema: "public" }),
    ["invoice", "invoice_line"],
  );
  assert.deepEqual(
    await complete(tableT, "table", "in", { database: "default", schema: "public" }),
    [],
  );
}

Deno.test("several databases and none is the default: a call without `database` names the choices", async () => {
  const pair = await twoDatabases();
  await using llm = startFakeLlm([sqlAnswer("SELECT 1")]);
  const config = loadConfig({
    DATABASE_URL_COURTS: pair.defaultUrl,
    DATABASE_URL_MUSIC: pair.musicUrl,
    DATABASE_MIN_POOL_SIZE: "0",
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: llm.url,
    RESILIENCE_MAX_RETRIES: "0",
    OBSERVABILITY_METRICS_ENABLED: "false",
  });
  if (!config.ok) throw config.error;
  const app = await createApp(config.value, createMemoryLogger("ERROR"), "test");
  try {
    await using mcp = await connectInMemory(app.server);
    for (const [name, args] of TOOLS_WITH_DATABASE) {
      const r = await callTool(mcp.client, name, args);
      assert.equal(r.isError, true, name);
      assert.deepEqual(failure(r), { code: "INVALID_INPUT", reason: "database_required" }, name);
      assert.deepEqual(r.body.error.details.choices, ["courts", "music"], name);
      assert.match(r.body.error.message, /pass "database" as one of: courts, music/);
    }
    assert.equal(llm.chatRequests().length, 0, "the model is not asked without a database");
    const listed = await callTool(mcp.client, "list_databases");
    assert.deepEqual(listed.body.databases.map((d: Body) => [d.name, d.default]), [
      ["courts", false],
      ["music", false],
    ]);
    const named = await callTool(mcp.client, "execute_sql", {
      sql: "SELECT count(*) AS n FROM cd.members",
      database: "courts",
    });
    assert.deepEqual(named.body.data.rows, [[
      await psql(pair, pair.defaultUrl, "SELECT count(*) FROM cd.members"),
    ]]);
    const members = await mcp.client.readResource({ uri: "schema://courts/table/cd/members" });
    assert.match((members.contents[0] as { text: string }).text, /^TABLE cd\.members \(/);
  } finally {
    await app.close();
  }
});

Deno.test("several databases in write mode: execute_write previews and commits on the one named", async () => {
  const pair = await twoDatabases();
  const config = loadConfig({
    DATABASE_URL: pair.defaultUrl,
    DATABASE_URL_MUSIC: pair.musicAdminUrl,
    DATABASE_MIN_POOL_SIZE: "0",
    SECURITY_ALLOW_WRITE_OPERATIONS: "true",
    OBSERVABILITY_METRICS_ENABLED: "false",
  });
  if (!config.ok) throw config.error;
  const app = await createApp(config.value, createMemoryLogger("ERROR"), "test");
  try {
    await using mcp = await connectInMemory(app.server);
    const write = (args: Record<string, unknown>) => callTool(mcp.client, "execute_write", args);
    const artistName = () =>
      psql(pair, pair.musicAdminUrl, "SELECT name FROM artist WHERE artist_id = 1");
    const memberName = () =>
      psql(pair, pair.defaultUrl, "SELECT firstname FROM cd.members WHERE memid = 1");
    const oldArtist = await artistName();
    const oldMember = await memberName();

    const music = "UPDATE artist SET name = 'Renamed' WHERE artist_id = 1";
    const preview = await write({ sql: music, database: "music" });
    assert.equal(preview.isError, false, preview.text);
    assert.deepEqual([preview.body.database, preview.body.affected_rows], ["music", 1]);
    assert.equal(await artistName(), oldArtist, "a preview changes nothing");
    // The token is bound to its database: the same SQL elsewhere is refused.
    const wrongDb = await write({ sql: music, confirm_token: preview.body.confirm_token });
    assert.deepEqual(failure(wrongDb), { code: "INVALID_INPUT", reason: "token_mismatch" });
    const commit = await write({
      sql: music,
      database: "music",
      confirm_token: preview.body.confirm_token,
    });
    assert.equal(commit.isError, false, commit.text);
    assert.deepEqual([commit.body.database, commit.body.committed], ["music", true]);
    assert.equal(await artistName(), "Renamed");
    assert.equal(await memberName(), oldMember);

    const courts = "UPDATE cd.members SET firstname = 'Renamed' WHERE memid = 1";
    const onDefault = await write({ sql: courts });
    assert.equal(onDefault.body.database, "default");
    const onMusic = await write({ sql: courts, database: "music" });
    assert.equal(onMusic.isError, true, "cd.members does not exist in music");
    const done = await write({ sql: courts, confirm_token: onDefault.body.confirm_token });
    assert.equal(done.isError, false, done.text);
    assert.equal(await memberName(), "Renamed");
  } finally {
    await app.close();
  }
});

Deno.test("several databases over stdio: list_databases and execute_sql on each", async () => {
  const pair = await twoDatabases();
  await using server = await startServer({
    DATABASE_URL: pair.defaultUrl,
    DATABASE_URL_MUSIC: pair.musicUrl,
  });
  const listed = await server.client.callTool({ name: "list_databases", arguments: {} });
  const databases = (listed.structuredContent as { databases: Body[] }).databases;
  assert.deepEqual(databases.map((d) => [d.name, d.default, d.read_only_role]), [
    ["default", true, false],
    ["music", false, true],
  ]);
  for (
    const [database, sql, check] of [
      ["default", "SELECT count(*) AS n FROM cd.members", "SELECT count(*) FROM cd.members"],
      ["music", "SELECT count(*) AS n FROM track", "SELECT count(*) FROM track"],
    ]
  ) {
    const r = await server.client.callTool({ name: "execute_sql", arguments: { sql, database } });
    const body = r.structuredContent as Body;
    assert.equal(body.database, database);
    const url = database === "default" ? pair.defaultUrl : pair.musicAdminUrl;
    assert.deepEqual(body.data.rows, [[await psql(pair, url, check)]]);
  }
  const started = server.stderr.find((l) => l.includes('"server.started"'));
  assert.deepEqual(JSON.parse(started!).databases, ["default", "music"]);
});
