/**
 * Test support for the safety tests: a target database seeded with the tables the attack lines
 * name, pg-mcp built by `createApp` and reached through the official MCP client over an
 * in-memory transport, and a superuser "observer" that fingerprints everything an attack could
 * change (tables, rows, roles, settings, sequences, large objects, files, locks, sessions).
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load_config.ts";
import type postgres from "postgres";
import { createMemoryLogger } from "../../src/log.ts";
import { openObserver } from "../support/read_only_db.ts";
import { connectInMemory } from "../support/in_memory_mcp.ts";
import { unfenceJson } from "../../src/mcp/tool_result.ts";
import { type TestCluster, uniqueName } from "../support/test_cluster.ts";

/** The tables, sequences and objects the attack lines aim at (no program, host or file). */
export const TARGET_SQL = `
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE TABLE users (id serial PRIMARY KEY, username text NOT NULL, name text, role text,
  is_admin boolean NOT NULL DEFAULT false, data text);
INSERT INTO users (username, name, role) VALUES ('alice', 'Alice', 'user'), ('bob', 'Bob', 'user'),
  ('carol', 'Carol', 'admin');
CREATE TABLE data_table (data_column text);
INSERT INTO data_table VALUES ('42'), ('secret');
CREATE TABLE logs (msg text);
CREATE TABLE myfile (line text);
INSERT INTO myfile VALUES ('line 1');
CREATE SEQUENCE foo_seq_new;
SELECT lo_create(12345);
SELECT lo_put(12345, 0, 'large object content');
`;

/** One JSON document of everything an attack could change; equal before and after = no effect. */
export const FINGERPRINT_SQL = `
SELECT json_build_object(
  'relations', (SELECT json_agg(format('%s.%s:%s', n.nspname, c.relname, c.relkind) ORDER BY 1)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'),
  'users', (SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) FROM users u),
  'data_table', (SELECT md5(coalesce(string_agg(d::text, '|' ORDER BY d::text), '')) FROM data_table d),
  'logs', (SELECT count(*) FROM logs),
  'myfile', (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m::text), '')) FROM myfile m),
  'sequences', (SELECT json_agg(format('%s.%s=%s', schemaname, sequencename, last_value) ORDER BY 1)
     FROM pg_sequences),
  'roles', (SELECT md5(string_agg(format('%s:%s:%s:%s:%s:%s', rolname, rolsuper, rolcreaterole,
     rolcanlogin, rolreplication, rolpassword), '|' ORDER BY rolname)) FROM pg_authid),
  'members', (SELECT count(*) FROM pg_auth_members),
  'role_settings', (SELECT count(*) FROM pg_db_role_setting),
  'settings', (SELECT md5(string_agg(name || '=' || setting, '|' ORDER BY name)) FROM pg_settings
     WHERE name NOT IN ('application_name')),
  'auto_conf', md5(pg_read_file('postgresql.auto.conf')),
  'data_dir', (SELECT md5(string_agg(f, '|' ORDER BY f)) FROM pg_ls_dir('.') f),
  'databases', (SELECT json_agg(format('%s:%s', datname, datconnlimit) ORDER BY datname)
     FROM pg_database WHERE datname = current_database() OR datname IN ('postgres', 'template1')),
  'objects', json_build_array(
     (SELECT count(*) FROM pg_proc WHERE oid >= 16384),
     (SELECT count(*) FROM pg_extension), (SELECT count(*) FROM pg_tablespace),
     (SELECT count(*) FROM pg_publication), (SELECT count(*) FROM pg_subscription),
     (SELECT count(*) FROM pg_event_trigger), (SELECT count(*) FROM pg_foreign_server),
     (SELECT count(*) FROM pg_user_mapping), (SELECT count(*) FROM pg_rewrite WHERE oid >= 16384),
     (SELECT count(*) FROM pg_trigger), (SELECT count(*) FROM pg_policy),
     (SELECT count(*) FROM pg_replication_slots), (SELECT count(*) FROM pg_prepared_xacts),
     (SELECT count(*) FROM pg_type WHERE oid >= 16384),
     (SELECT count(*) FROM pg_namespace)),
  'comments', (SELECT md5(coalesce(string_agg(objoid || ':' || description, '|' ORDER BY 1), ''))
     FROM pg_description WHERE objoid >= 16384),
  'large_objects', (SELECT json_agg(oid ORDER BY oid) FROM pg_largeobject_metadata),
  'lo_12345', (SELECT md5(lo_get(12345))),
  'advisory_locks', (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'),
  'idle_in_transaction', (SELECT count(*) FROM pg_stat_activity
     WHERE application_name = 'pg-mcp' AND state LIKE 'idle in transaction%'),
  'stats_reset', (SELECT coalesce(stats_reset::text, '') FROM pg_stat_database
     WHERE datname = current_database()),
  'bgwriter_reset', (SELECT stats_reset::text FROM pg_stat_bgwriter),
  'observer_pid', pg_backend_pid()
)::text AS fingerprint`;

export interface Target {
  url: string;
  dbName: string;
  /** A superuser pool (read-write sessions) of the test, not of pg-mcp. */
  observer: postgres.Sql;
  fingerprint(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function createTarget(cluster: TestCluster, prefix = "safety"): Promise<Target> {
  const dbName = uniqueName(prefix);
  const url = await cluster.createDatabase(dbName, { sql: [TARGET_SQL] });
  const observer = openObserver(url);
  return {
    url,
    dbName,
    observer,
    async fingerprint() {
      // pg-mcp ends a transaction after it answers: let its sessions finish (bounded), so a
      // session still idle in transaction after that shows in the fingerprint.
      await settled(observer);
      // An attack may have ended the observer's session: the driver then reconnects once.
      const [row] = await observer.unsafe(FINGERPRINT_SQL).catch(() =>
        observer.unsafe(FINGERPRINT_SQL)
      );
      return JSON.parse(String(row.fingerprint));
    },
    close: () => observer.end({ timeout: 5 }),
  };
}

/** Waits (at most `maxMs`) until no pg-mcp session of this database is busy or in a transaction. */
async function settled(observer: postgres.Sql, maxMs = 5_000): Promise<void> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    const rows = await observer.unsafe(
      `SELECT count(*)::int AS busy FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'pg-mcp' AND state <> 'idle'`,
    ).catch(() => [{ busy: 0 }]);
    if (rows[0].busy === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ToolCall {
  isError: boolean;
  structured: Record<string, unknown>;
  /** The JSON of the text content (fenced for a success). */
  textJson: unknown;
  text: string;
  ms: number;
}

export interface McpHarness extends AsyncDisposable {
  client: Client;
  app: App;
  call(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<ToolCall>;
  close(): Promise<void>;
}

/** pg-mcp as `createApp` builds it for `env`, with the MCP client connected in memory. */
export async function startMcp(env: Record<string, string>): Promise<McpHarness> {
  const cfg = loadConfig(env);
  if (!cfg.ok) throw cfg.error;
  const log = createMemoryLogger("ERROR");
  const app = await createApp(cfg.value, log, "0.0.0-test");
  // Start-up reads done (pools, schema, profile, value index): they are not an attack's doing.
  await app.warmPools();
  for (const database of app.databases.list()) {
    const snapshot = await database.schema.get();
    if (!snapshot.ok) continue;
    await database.insights.profile(snapshot.value);
    await database.insights.values(snapshot.value);
  }
  const mcp = await connectInMemory(app.server, "safety-tests");
  const client = mcp.client;
  const close = async () => {
    await mcp.close();
    await app.close();
  };
  return {
    client,
    app,
    async call(name, args, signal) {
      const started = performance.now();
      const result = await client.callTool({ name, arguments: args }, undefined, {
        signal,
        timeout: 120_000,
      });
      const text = (result.content as { type: string; text: string }[]).map((c) => c.text)
        .join("\n");
      return {
        isError: result.isError === true,
        structured: result.structuredContent as Record<string, unknown>,
        textJson: unfenceJson(text),
        text,
        ms: performance.now() - started,
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The statements of the attack file: every non-comment, non-empty line. */
export async function attackLines(): Promise<string[]> {
  const text = await Deno.readTextFile(
    new URL("../fixtures/sql/attacks-sample.sql", import.meta.url),
  );
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("--"));
}

/** The public bypasses of the issue, each a sequence of calls (neutralized: program `true`). */
export const PUBLIC_BYPASSES: readonly (readonly string[])[] = [
  ["COMMIT; DROP SCHEMA public CASCADE;"],
  ["END; DROP TABLE users;"],
  ["ROLLBACK; DELETE FROM users;"],
  ["ABORT; TRUNCATE users;"],
  ["SET TRANSACTION READ WRITE; CREATE TABLE pwn(x int);"],
  ["/* hi */ COMMIT; BEGIN READ WRITE; UPDATE users SET is_admin = true;"],
  ["COPY (SELECT * FROM users) TO PROGRAM 'true'"],
  ["SELECT dblink_exec('dbname=' || current_database(), 'DROP TABLE users')"],
  ["SELECT set_config('default_transaction_read_only','off',false)", "CREATE TABLE pwn(x int)"],
  ["SET statement_timeout = 0", "SELECT pg_sleep(3600)"],
  ["WITH d AS (DELETE FROM users RETURNING *) SELECT count(*) FROM d"],
  [
    'SELECT U&"pg_te\\0072minate_backend"(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
  ],
  ["SELECT U&\"s\\0065tval\"('users_id_seq', 999)"],
  ["SELECT pg_advisory_lock(1)"],
  ["SELECT count(*) FROM generate_series(1,1e10)"],
  ["SELECT repeat('x', 500000000)"],
  ["SELECT pg_read_file('postgresql.conf')"],
  ["SELECT query_to_xml('SELECT pg_read_file(''postgresql.conf'')', true, true, '')"],
  ["SELECT 1 --"],
  ["SELECT * FROM users FOR UPDATE"],
  ["EXPLAIN ANALYZE DELETE FROM users"],
  ['SELECT * FROM "users""; DROP TABLE users; --"'],
];

/**
 * Issue 12's whole-database and SQL-text functions (one got through a held-out corpus:
 * `database_to_xml` dumps every table), each one call.
 */
export const DUMP_ATTACKS: readonly string[] = [
  "select database_to_xml(true,true,'')",
  "SELECT database_to_xml_and_xmlschema(false, true, '')",
  "SELECT schema_to_xml('public', true, true, '')",
  "SELECT table_to_xml('users', true, true, '')",
  "SELECT table_to_xml_and_xmlschema('data_table', false, false, '')",
  "SELECT query_to_xml('SELECT * FROM data_table', true, true, '')",
  "SELECT * FROM ts_stat('SELECT to_tsvector(data_column) FROM data_table')",
  "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, data_column::tsquery FROM data_table')",
  "SELECT * FROM dblink('dbname=' || current_database(), 'SELECT data_column FROM data_table') " +
  "AS t(x text)",
  "SELECT dblink_build_sql_insert('data_table', '1', 1, '{42}', '{42}')",
];

/** Absolute /tmp paths an attack line names: none may exist after it ran. */
export function tmpPaths(line: string): string[] {
  return [...line.matchAll(/\/tmp\/[\w.\-/]+/g)].map((m) => m[0]);
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
