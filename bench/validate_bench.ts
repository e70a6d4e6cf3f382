/**
 * Validation benchmark (issue 3, Measure): the average time to validate a typical analytic query
 * (joins, GROUP BY, a window function, a CTE), beside the parse alone by libpg-query (through
 * parse.ts, the only importer) measured in the same run, plus the corpus acceptance counts of
 * the grammar rules. The catalog step uses an in-memory catalog, as the server does once loaded.
 *
 *   deno run -A bench/validate_bench.ts [iterations]
 */
import { DEFAULT_BLOCKED_FUNCTIONS } from "../src/config/blocked_functions.ts";
import { functionCatalogFrom } from "../src/db/function_volatility.ts";
import { ok } from "../src/errors.ts";
import { createSqlParser, splitSql } from "../src/sql/parse.ts";
import { checkSql, type SqlPolicy, validateSql } from "../src/sql/validate.ts";

// A benchmark reports on stdout.
const report = (...parts: unknown[]) => {
  // deno-lint-ignore no-console -- a benchmark reports on stdout
  console.log(...parts);
};

const QUERY = `
WITH monthly AS (
  SELECT c.customer_id, date_trunc('month', i.invoice_date) AS month,
         sum(il.unit_price * il.quantity) AS total
    FROM customer c
    JOIN invoice i ON i.customer_id = c.customer_id
    JOIN invoice_line il ON il.invoice_id = i.invoice_id
   WHERE i.invoice_date >= now() - interval '1 year'
   GROUP BY c.customer_id, date_trunc('month', i.invoice_date)
)
SELECT customer_id, month, total,
       rank() OVER (PARTITION BY month ORDER BY total DESC) AS rnk,
       avg(total) OVER (PARTITION BY customer_id) AS avg_total
  FROM monthly
 WHERE total > 10
 ORDER BY month, rnk
 LIMIT 100`;

const iterations = Number(Deno.args[0] ?? 20_000);
const parser = await createSqlParser();
const catalog = functionCatalogFrom([
  { kind: "f", name: "random", schema: "pg_catalog", field: false },
  { kind: "n", name: "date_trunc", schema: "pg_catalog", field: false },
  { kind: "n", name: "sum", schema: "pg_catalog", field: false },
  { kind: "n", name: "rank", schema: "pg_catalog", field: false },
  { kind: "n", name: "avg", schema: "pg_catalog", field: false },
  { kind: "n", name: "now", schema: "pg_catalog", field: false },
]);
const policy: SqlPolicy = {
  blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS),
  catalog: { load: () => Promise.resolve(ok(catalog)) },
};

async function average(label: string, fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(2_000, iterations); i++) await fn();
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await fn();
  const ms = (performance.now() - started) / iterations;
  report(`${label.padEnd(42)} ${ms.toFixed(4)} ms`);
  return ms;
}

if (!validateSql(QUERY, parser, policy).ok) throw new Error("the benchmark query is refused");
report(`typical analytic query, ${iterations} iterations each`);
const parse = await average("parse only (libpg-query via parse.ts)", () => parser.parse(QUERY));
const grammar = await average(
  "validateSql (parse + grammar rules)",
  () => validateSql(QUERY, parser, policy),
);
const full = await average(
  "checkSql (+ catalog rules, cached)",
  () => checkSql(QUERY, parser, policy),
);
report(
  `validation beyond parsing: ${(grammar - parse).toFixed(4)} ms (grammar), ` +
    `${(full - parse).toFixed(4)} ms (full); full / parse = ${(full / parse).toFixed(2)}`,
);

const fixtures = new URL("../tests/fixtures/sql/", import.meta.url);
const valid = splitSql(await Deno.readTextFile(new URL("valid-select-sample.sql", fixtures)));
if (!valid.ok) throw valid.error;
const count = (sqls: string[]) => {
  const tally: Record<string, number> = {};
  for (const sql of sqls) {
    const r = validateSql(sql, parser, policy);
    const key = r.ok ? "accepted" : String(r.error.details.reason ?? r.error.code);
    tally[key] = (tally[key] ?? 0) + 1;
  }
  return tally;
};
const attacks = (await Deno.readTextFile(new URL("attacks-sample.sql", fixtures))).split("\n")
  .filter((l) => l.trim() !== "" && !l.startsWith("--"));
report(
  `valid sample (${valid.value.length}), grammar rules:`,
  JSON.stringify(count(valid.value)),
);
report(`attack lines (${attacks.length}), grammar rules:`, JSON.stringify(count(attacks)));
