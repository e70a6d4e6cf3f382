/**
 * pg-mcp behind a real PgBouncer (issue 8, item 2), through the public surface: main.ts over
 * stdio with the binary's permission flags, DATABASE_URL aimed at a stock PgBouncer (only
 * `extra_float_digits` ignored) in transaction and in session pooling. Each answer is compared
 * with the answer of a second pg-mcp connected to PostgreSQL directly, value by value; data is
 * checked with psql, not through pg-mcp.
 */
import assert from "node:assert/strict";
import { type PoolMode, startPgBouncer } from "./support/pgbouncer.ts";
import { type RunningServer, startServer } from "./support/spawn_server.ts";
import { sharedTestCluster, type TestCluster, uniqueName } from "./support/test_cluster.ts";
import {
  type CallOutcome,
  callTool,
  describe,
  rowsOf,
  runConcurrently,
} from "./support/tool_call.ts";

const MODES: readonly PoolMode[] = ["transaction", "session"];

/**
 * 50 items whose timestamps cross midnight in Asia/Kolkata (UTC+5:30) but not in UTC, and
 * functions that write while declared STABLE: the validator (which trusts the catalog's
 * volatility) lets them through, so only the read-only transaction can stop them.
 */
const FIXTURE_SQL = `
CREATE TABLE items (
  id int PRIMARY KEY,
  label text NOT NULL,
  price numeric(12, 2) NOT NULL,
  seen timestamptz NOT NULL,
  span interval NOT NULL,
  day date NOT NULL
);
COMMENT ON TABLE items IS 'Things for sale, with when they were last seen';
INSERT INTO items
SELECT g, 'item ' || g, g * 1.25, timestamptz '2024-02-29 18:00:00+00' + g * interval '7 minutes',
       g * interval '90 minutes 0.5 seconds', date '2024-02-29' + g
  FROM generate_series(1, 50) AS g;
CREATE SEQUENCE item_ids START 1000;
CREATE TABLE audit (msg text);
CREATE FUNCTION write_audit() RETURNS int LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO audit VALUES ('written');
  DELETE FROM items;
  RETURN 1;
END $$;
CREATE FUNCTION sneaky_write() RETURNS int LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN write_audit(); END $$;
CREATE FUNCTION sneaky_nextval() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN RETURN nextval('item_ids'); END $$;
`;

/** What psql sees of the data: must not change whatever pg-mcp is asked. */
const DATA_FINGERPRINT_SQL = `
SELECT (SELECT count(*) FROM items) || ':' ||
       (SELECT md5(string_agg(i::text, '|' ORDER BY i.id)) FROM items i) || ':' ||
       (SELECT count(*) FROM audit) || ':' ||
       (SELECT last_value || '/' || is_called FROM item_ids)`;

async function createFixture(cluster: TestCluster): Promise<string> {
  const name = uniqueName("pgbouncer");
  await cluster.createDatabase(name, { sql: [FIXTURE_SQL] });
  return name;
}

function sql(server: RunningServer, text: string, timeoutMs = 10_000): Promise<CallOutcome> {
  return callTool(server.client, "execute_sql", { sql: text }, { timeoutMs });
}

/** pg-mcp over stdio (binary flags) on `url`; the pool as large as PgBouncer's default. */
function pgMcp(url: string): Promise<RunningServer> {
  return startServer({ DATABASE_URL: url, DATABASE_MAX_POOL_SIZE: "8" });
}

for (const mode of MODES) {
  Deno.test(`PgBouncer (${mode} pooling): connects, 200 calls 8 in flight, schema tools, read-only`, async (t) => {
    const cluster = await sharedTestCluster();
    const db = await createFixture(cluster);
    await using bouncer = await startPgBouncer(cluster, { poolMode: mode });
    await using direct = await pgMcp(cluster.urlFor(db));
    await using pooled = await pgMcp(bouncer.urlFor(db));

    await t.step(
      "pg-mcp connects through a stock PgBouncer (no startup parameter it rejects)",
      async () => {
        const first = await sql(pooled, "SELECT 1 AS one");
        assert.deepEqual(
          first.kind === "answer" && !first.isError ? first.body.data?.rows : describe(first),
          [{ one: 1 }],
          `PgBouncer log:\n${(await bouncer.log()).slice(-800)}`,
        );
      },
    );

    await t.step(
      "200 execute_sql calls with 8 in flight: no error, each its own answer",
      async () => {
        const { results, skipped } = await runConcurrently(200, 8, (i) =>
          sql(
            pooled,
            `SELECT ${i} AS call, count(*)::int AS n, sum(price) AS total FROM items WHERE id > ${
              i % 7
            }`,
          ), 60_000);
        const wrong = results.map((r, i) => ({ i, r })).filter(({ i, r }) => {
          if (r.kind !== "answer" || r.isError) return true;
          const [row] = r.body.data?.rows ?? [];
          const k = i % 7;
          return row?.call !== i || row?.n !== 50 - k ||
            row?.total !== (1.25 * (1275 - (k * (k + 1)) / 2)).toFixed(2);
        });
        assert.equal(skipped, 0, `${skipped} calls not started within 60 s`);
        assert.equal(
          wrong.length,
          0,
          `${wrong.length} of 200 calls failed or answered wrong; first: ` +
            wrong.slice(0, 3).map(({ i, r }) => `#${i} ${describe(r)}`).join("; "),
        );
      },
    );

    await t.step(
      "list_tables, describe_table and search_schema answer as they do directly",
      async () => {
        const calls: [string, Record<string, unknown>][] = [
          ["list_tables", { schema: "public" }],
          ["describe_table", { schema: "public", table: "items" }],
          ["search_schema", { query: "items for sale last seen" }],
        ];
        for (const [name, args] of calls) {
          const [want, got] = await Promise.all([
            callTool(direct.client, name, args),
            callTool(pooled.client, name, args),
          ]);
          assert.ok(want.kind === "answer" && !want.isError, `direct ${name}: ${describe(want)}`);
          assert.ok(
            got.kind === "answer" && !got.isError,
            `${name} through PgBouncer: ${describe(got)}`,
          );
          assert.deepEqual(got.body, want.body, `${name} differs through PgBouncer`);
          assert.match(JSON.stringify(got.body), /"items"/, `${name} does not name the table`);
        }
      },
    );

    await t.step(
      "read-only still enforced: writes refused or failing read-only, data intact",
      async () => {
        const before = await cluster.psql(db, DATA_FINGERPRINT_SQL);
        const attempts: [string, string | undefined][] = [
          ["DELETE FROM items", undefined],
          ["UPDATE items SET price = 0", undefined],
          ["SET default_transaction_read_only = off; DELETE FROM items", undefined],
          ["SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", undefined],
          // Past the validator (STABLE in the catalog): only the read-only transaction stops these.
          ["SELECT sneaky_write() AS w", "read_only_transaction"],
          ["SELECT sneaky_nextval() AS v", "read_only_transaction"],
        ];
        // Several rounds, interleaved with reads, so a write would meet every pooled session.
        const outcomes = await runConcurrently(attempts.length * 4, 8, async (i) => {
          const [text, reason] = attempts[i % attempts.length];
          const r = await sql(pooled, text);
          const read = await sql(pooled, "SELECT count(*)::int AS n FROM items");
          return { text, reason, r, read };
        });
        for (const { text, reason, r, read } of outcomes.results) {
          assert.ok(r.kind === "answer" && r.isError, `${text}: ${describe(r)}`);
          assert.equal(r.code, "SECURITY_VIOLATION", `${text}: ${describe(r)}`);
          if (reason) {
            assert.equal(r.body.error?.details?.reason, reason, `${text}: ${describe(r)}`);
          }
          assert.deepEqual(rowsOf(read), [{ n: 50 }]);
        }
        assert.equal(
          await cluster.psql(db, DATA_FINGERPRINT_SQL),
          before,
          "psql sees changed data",
        );
      },
    );
  });
}

/**
 * A role whose defaults differ from everything pg-mcp's value formats rely on. Through PgBouncer,
 * startup parameters are refused or dropped and sessions are reset (DISCARD ALL) to these.
 */
const ROLE_DEFAULTS: Record<string, string> = {
  TimeZone: "'Asia/Kolkata'",
  IntervalStyle: "'postgres'",
  DateStyle: "'SQL, DMY'",
  extra_float_digits: "0",
  bytea_output: "'escape'",
};

async function createOddRole(cluster: TestCluster, db: string): Promise<string> {
  const role = uniqueName("odd_defaults");
  await cluster.psql(
    db,
    `CREATE ROLE ${role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};\n` +
      Object.entries(ROLE_DEFAULTS).map(([k, v]) => `ALTER ROLE ${role} SET ${k} = ${v};`)
        .join("\n"),
  );
  return role;
}

async function dropRole(cluster: TestCluster, db: string, role: string): Promise<void> {
  await cluster.psql(db, `DROP OWNED BY ${role}; DROP ROLE ${role};`).catch(() => undefined);
}

const TS = "timestamptz '2024-02-29 23:30:00+00'";

/** Queries whose answers depend on the session's settings unless pg-mcp pins them. */
const VALUE_QUERIES: Record<string, string> = {
  literals: `SELECT ${TS} AS ts, timestamp '2024-02-29 13:14:15.5' AS ts_plain,
      date '2024-02-29' AS d, (${TS})::date AS d_of_ts, interval '1 day 2 hours 3.5 seconds' AS iv,
      0.1::float8 + 0.2::float8 AS f8, 12345678901234567890.5::numeric AS n,
      '\\x00ff'::bytea AS b, json_build_object('ts', ${TS}) AS j,
      to_char(${TS}, 'YYYY-MM-DD HH24:MI') AS txt, extract(hour FROM ${TS}) AS h,
      ARRAY[date '2024-02-29', date '2024-03-01'] AS days`,
  rows: `SELECT id, seen, seen::date AS seen_day, span, day, price FROM items ORDER BY id`,
  grouped: `SELECT seen::date AS day, count(*)::int AS n FROM items GROUP BY 1 ORDER BY 1`,
  settings: `SELECT current_setting('TimeZone') AS tz, current_setting('IntervalStyle') AS istyle,
      current_setting('DateStyle') AS dstyle, current_setting('bytea_output') AS bytea`,
};

/** The formats the README documents, whatever the role's defaults. */
function assertDocumentedFormats(answers: Record<string, Record<string, unknown>[]>): void {
  const [lit] = answers.literals;
  assert.equal(lit.ts, "2024-02-29T23:30:00+00:00", "timestamptz in UTC, ISO 8601");
  assert.equal(lit.ts_plain, "2024-02-29T13:14:15.5");
  assert.equal(lit.d, "2024-02-29", "date in ISO");
  assert.equal(lit.d_of_ts, "2024-02-29", "a timestamptz's date is its UTC date");
  assert.equal(lit.iv, "P1DT2H3.5S", "interval in ISO 8601");
  assert.equal(String(lit.f8), "0.30000000000000004", "float8 exact (shortest round-trip)");
  assert.equal(lit.n, "12345678901234567890.5", "numeric as an exact string");
  assert.equal(lit.b, "\\x00ff", "bytea as hex");
  assert.deepEqual(lit.j, { ts: "2024-02-29T23:30:00+00:00" });
  assert.equal(lit.txt, "2024-02-29 23:30", "to_char in UTC");
  assert.equal(String(lit.h), "23", "extract(hour) in UTC");
  assert.deepEqual(lit.days, ["2024-02-29", "2024-03-01"]);
  for (const row of answers.rows) {
    const seen = String(row.seen);
    assert.match(seen, /^2024-0[23]-\d\dT\d\d:\d\d:\d\d\+00:00$/, `item ${row.id} seen ${seen}`);
    assert.equal(row.seen_day, seen.slice(0, 10), `item ${row.id}: the UTC day of ${seen}`);
    assert.match(String(row.span), /^P(\dD)?T/, `item ${row.id}: interval ${row.span} not ISO`);
  }
  assert.deepEqual(
    answers.grouped,
    [{ day: "2024-02-29", n: 50 }],
    "every item seen on 29 Feb UTC",
  );
}

async function answersOf(
  server: RunningServer,
): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [name, text] of Object.entries(VALUE_QUERIES)) {
    out[name] = rowsOf(await sql(server, text));
  }
  return out;
}

Deno.test("direct connection, role with other TimeZone/IntervalStyle/DateStyle/float/bytea defaults: documented formats", async () => {
  const cluster = await sharedTestCluster();
  const db = await createFixture(cluster);
  const role = await createOddRole(cluster, db);
  try {
    await using direct = await pgMcp(cluster.urlFor(db, role));
    assertDocumentedFormats(await answersOf(direct));
  } finally {
    await dropRole(cluster, db, role);
  }
});

for (const mode of MODES) {
  Deno.test(`PgBouncer (${mode} pooling), role with other defaults: answers identical to a direct connection`, async (t) => {
    const cluster = await sharedTestCluster();
    const db = await createFixture(cluster);
    const role = await createOddRole(cluster, db);
    try {
      await using bouncer = await startPgBouncer(cluster, {
        poolMode: mode,
        users: [{ name: role }],
      });
      await using direct = await pgMcp(cluster.urlFor(db, role));
      await using pooled = await pgMcp(bouncer.urlFor(db, role));
      const want = Object.fromEntries(
        await Promise.all(
          Object.entries(VALUE_QUERIES).map(async ([name, text]) =>
            [name, await sql(direct, text)] as const
          ),
        ),
      );
      for (const [name, r] of Object.entries(want)) {
        assert.ok(r.kind === "answer" && !r.isError, `direct ${name}: ${describe(r)}`);
      }

      await t.step(
        "120 calls with 8 in flight: each answer equals the direct one, value by value",
        async () => {
          const names = Object.keys(VALUE_QUERIES);
          const { results } = await runConcurrently(120, 8, async (i) => {
            const name = names[i % names.length];
            return { name, r: await sql(pooled, VALUE_QUERIES[name]) };
          }, 60_000);
          const diffs: string[] = [];
          for (const { name, r } of results) {
            if (r.kind !== "answer" || r.isError) {
              diffs.push(`${name}: ${describe(r)}`);
              continue;
            }
            const expected = want[name].kind === "answer" ? want[name].body.data : undefined;
            const got = r.body.data;
            assert.deepEqual(got?.columns, expected?.columns, `${name}: columns differ`);
            got?.rows.forEach((row, k) => {
              for (const [col, value] of Object.entries(expected?.rows[k] ?? {})) {
                if (JSON.stringify(row[col]) !== JSON.stringify(value)) {
                  diffs.push(
                    `${name} row ${k} ${col}: ${JSON.stringify(row[col])} ≠ ${
                      JSON.stringify(value)
                    }`,
                  );
                }
              }
            });
          }
          assert.equal(results.length, 120);
          assert.equal(
            diffs.length,
            0,
            `${diffs.length} values differ from the direct connection; first: ${
              diffs.slice(0, 4).join("; ")
            }`,
          );
        },
      );

      await t.step(
        "and follow the documented formats (UTC, ISO 8601, exact numerics)",
        async () => {
          assertDocumentedFormats(await answersOf(pooled));
        },
      );
    } finally {
      await dropRole(cluster, db, role);
    }
  });
}
