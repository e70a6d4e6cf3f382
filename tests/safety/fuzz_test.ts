/**
 * Seeded fuzz test of the validator: 5,000 mutations of the valid SELECT sample, the attack
 * lines, the public bypasses and issue 12's forms (whole-row references, XML and SQL-text
 * functions, hidden columns and tables). The validator never throws, answers each within a
 * second, never accepts anything but a read-only statement and never lets a hidden value out.
 * The oracles are independent of the validator: every accepted mutation runs as a superuser
 * through ReadOnlyDb (a READ ONLY transaction, always rolled back), where any write attempt fails
 * with SQLSTATE 25006; none may. The target holds a sentinel in a hidden column (users.ssn) and
 * a hidden table (vault); no accepted mutation's rows or error may carry it. The database's
 * fingerprint must be unchanged at the end.
 */
import assert from "node:assert/strict";
import { createHiddenMatcher, parseHiddenPattern } from "../../src/hidden/patterns.ts";
import { loadSqlParser, splitSql } from "../../src/sql/parse.ts";
import { checkSql, type SqlPolicy } from "../../src/sql/validate.ts";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { attackLines, createTarget, PUBLIC_BYPASSES } from "./harness.ts";
import { defaultPolicy, openTestDb } from "../support/read_only_db.ts";

const SEED = 0x5eed_0003;
const MUTATIONS = 5_000;

/** In the hidden column and table only; no seed or snippet spells it. */
const SENTINEL = "FUZZ-HIDDEN-7e1d";
const HIDDEN_SQL = `
ALTER TABLE users ADD COLUMN ssn text;
UPDATE users SET ssn = '${SENTINEL}-' || id;
CREATE TABLE vault (id int, secret text);
INSERT INTO vault VALUES (1, '${SENTINEL}-vault');
ANALYZE users, vault;`;

/** Issue 12's seeds: hidden data read every way, dumps, and the analytics that stay allowed. */
const HIDDEN_SEEDS = [
  "SELECT ssn FROM users",
  "SELECT u.ssn FROM users u WHERE u.id = 1",
  "SELECT u FROM users u",
  "SELECT row_to_json(u) FROM users u",
  "SELECT * FROM users ORDER BY id",
  "SELECT j.ssn FROM (users JOIN data_table ON true) AS j",
  "SELECT * FROM vault",
  "SELECT histogram_bounds FROM pg_stats WHERE tablename = 'users'",
  "select database_to_xml(true,true,'')",
  "SELECT table_to_xml('vault', true, true, '')",
  "SELECT query_to_xml('SELECT ssn FROM users', true, true, '')",
  "SELECT id, username, name FROM users ORDER BY id",
  "SELECT count(*), max(id) FROM users u JOIN data_table d ON d.data_column = u.name",
  "SELECT s FROM (SELECT id, username FROM users) s",
];

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fragments that turn reads into writes, stack statements or hide names. */
const SNIPPETS = [
  ";",
  "; DELETE FROM users",
  "; COMMIT",
  "COMMIT;",
  "BEGIN READ WRITE;",
  " FOR UPDATE",
  " FOR SHARE",
  " INTO pwn",
  " INTO TEMP pwn",
  "WITH d AS (DELETE FROM users RETURNING *) ",
  "(UPDATE users SET is_admin = true RETURNING id)",
  "pg_sleep(1)",
  "nextval('users_id_seq')",
  "setval('users_id_seq', 999)",
  "set_config('default_transaction_read_only', 'off', false)",
  'U&"pg_sl\\0065ep"(1)',
  "U&\"s\\0065tval\"('users_id_seq', 9)",
  '"pg_catalog"."pg_sleep"(1)',
  "pg_advisory_lock(1)",
  "lo_import('/tmp/pgmcp-fuzz')",
  "dblink_exec('dbname=x', 'DROP TABLE users')",
  "query_to_xml('DELETE FROM users', true, true, '')",
  "/*",
  "*/",
  "--",
  "\n",
  "'",
  '"',
  "$$",
  "$x$",
  "(",
  ")",
  ",",
  " UNION ALL SELECT 1",
  " EXPLAIN ANALYZE ",
  "EXPLAIN (ANALYZE) ",
  " LATERAL ",
  " TABLE users ",
  " VALUES (1) ",
  " pg_authid ",
  " pg_catalog.pg_shadow ",
  "INSERT INTO logs VALUES ('x')",
  "TRUNCATE users",
  "COPY users TO PROGRAM 'true'",
  "SELECT ",
  " WHERE true ",
  " ORDER BY 1 ",
  "\\",
  "E'\\x27'",
  "U&'\\0027'",
  // issue 12: whole-row references, XML and SQL-text functions, hidden columns and tables
  " u ",
  " users ",
  "row_to_json(users)",
  "to_jsonb(u)",
  "format('%s', users)",
  "users::text",
  "json_agg(u)",
  "ROW(users.*)",
  " users.* ",
  " ssn ",
  " u.ssn ",
  "(users).ssn",
  "ssn(users)",
  " vault ",
  " public.vault ",
  " AS x(a, b, c, d, e, f, g) ",
  " NATURAL JOIN users ",
  " JOIN users USING (ssn) ",
  " pg_stats ",
  "database_to_xml(true, true, '')",
  "schema_to_xml('public', true, true, '')",
  "table_to_xml('users', true, true, '')",
  "query_to_xml('SELECT * FROM users', true, true, '')",
  "ts_stat('SELECT to_tsvector(ssn) FROM users')",
  "U&\"table_to_\\0078ml\"('vault', true, true, '')",
];

function mutate(rand: () => number, seeds: string[]): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  let s = pick(seeds);
  const steps = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const len = Math.floor(rand() * Math.min(20, s.length - at + 1));
    switch (Math.floor(rand() * 7)) {
      case 0:
        s = s.slice(0, at) + pick(SNIPPETS) + s.slice(at);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + len).repeat(2) + s.slice(at + len);
        break;
      case 3: {
        const other = pick(seeds);
        const from = Math.floor(rand() * other.length);
        s = s.slice(0, at) + other.slice(from, from + 40) + s.slice(at);
        break;
      }
      case 4:
        s = s.slice(0, at) + s.slice(at, at + len).toUpperCase() + s.slice(at + len);
        break;
      case 5:
        s = s + pick(SNIPPETS);
        break;
      default:
        s = pick(SNIPPETS) + s;
    }
  }
  return s;
}

Deno.test("fuzz: the validator never throws, never hangs, never accepts a write", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "fuzz");
  const db = openTestDb(target.url, { timeoutS: 1 });
  try {
    await target.observer.unsafe(HIDDEN_SQL).simple();
    const parser = await loadSqlParser();
    const policy: SqlPolicy = {
      ...defaultPolicy(db),
      hidden: createHiddenMatcher({
        tables: [hiddenPattern("vault", "table")],
        columns: [hiddenPattern("users.ssn", "column")],
      }, () => ["pg_catalog", "public"]),
    };
    const valid = splitSql(
      await Deno.readTextFile(new URL("../fixtures/sql/valid-select-sample.sql", import.meta.url)),
    );
    assert.ok(valid.ok);
    const seeds = [
      ...valid.value,
      ...(await attackLines()),
      ...PUBLIC_BYPASSES.flat(),
      ...HIDDEN_SEEDS,
    ];
    assert.ok(
      !seeds.some((x) => x.includes(SENTINEL)) && !SNIPPETS.some((x) => x.includes(SENTINEL)),
    );
    const baseline = await target.fingerprint();
    const rand = prng(SEED);
    let accepted = 0;
    let ranOk = 0;
    let slowest = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      // One mutation in four starts from issue 12's seeds, so near-misses of them are tried often.
      const sql = mutate(rand, i % 4 === 0 ? HIDDEN_SEEDS : seeds);
      const started = performance.now();
      const verdict = await checkSql(sql, parser, policy); // a throw fails the test
      slowest = Math.max(slowest, performance.now() - started);
      if (!verdict.ok) {
        assert.ok(
          ["SECURITY_VIOLATION", "SQL_PARSE_FAILED"].includes(verdict.error.code),
          `${verdict.error.code} for ${JSON.stringify(sql)}`,
        );
        continue;
      }
      accepted++;
      const ran = await db.run(sql, { maxRows: 10, maxBytes: 100_000 });
      assert.ok(
        ran.ok || ran.error.details.sqlstate !== "25006",
        `accepted a write: ${JSON.stringify(sql)}: ${ran.ok ? "" : ran.error.message}`,
      );
      const seen = ran.ok ? JSON.stringify(ran.value.rows) : JSON.stringify(ran.error.details) +
        ran.error.message;
      assert.ok(!seen.includes(SENTINEL), `a hidden value got out: ${JSON.stringify(sql)}`);
      if (ran.ok) ranOk++;
    }
    assert.ok(slowest < 1_000, `slowest validation took ${slowest} ms`);
    assert.ok(accepted > 100, `only ${accepted} mutations were accepted: the oracle saw too few`);
    await db.whenIdle(); // the last call's ROLLBACK and reset end after its answer
    assert.deepEqual(await target.fingerprint(), baseline);
    // deno-lint-ignore no-console -- the counts the lead reports
    console.log(
      `fuzz: ${MUTATIONS} mutations, ${accepted} accepted and run read-only (${ranOk} returned ` +
        `rows), slowest ${slowest.toFixed(1)} ms`,
    );
  } finally {
    await db.close();
    await target.close();
  }
});

function hiddenPattern(text: string, kind: "table" | "column") {
  const p = parseHiddenPattern(text, kind);
  if (!p.ok) throw p.error;
  return p.value;
}
