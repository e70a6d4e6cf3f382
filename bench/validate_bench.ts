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
import { createHiddenMatcher, parseHiddenPattern } from "../src/hidden/patterns.ts";
import { loadSqlParser, splitSql } from "../src/sql/parse.ts";
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
const parser = await loadSqlParser();
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

/** SECURITY_HIDDEN_TABLES=hr.*,audit_log, SECURITY_HIDDEN_COLUMNS=customer.email,employee.ssn. */
const hiddenPolicy: SqlPolicy = {
  ...policy,
  hidden: createHiddenMatcher({
    tables: ["hr.*", "audit_log"].map((p) => pattern(p, "table")),
    columns: ["customer.email", "employee.ssn"].map((p) => pattern(p, "column")),
  }, () => ["pg_catalog", "public"]),
};

function pattern(text: string, kind: "table" | "column") {
  const p = parseHiddenPattern(text, kind);
  if (!p.ok) throw p.error;
  return p.value;
}

/**
 * The time per call of each case: rounds of `iterations / ROUNDS` calls, the cases interleaved
 * round by round, the fastest round kept, so load from other processes on a shared machine
 * (which only ever adds time) disturbs the comparison least.
 */
const ROUNDS = 10;
async function timeCases(
  cases: readonly [string, () => unknown | Promise<unknown>][],
): Promise<number[]> {
  const perRound = Math.max(1, Math.floor(iterations / ROUNDS));
  for (const [, fn] of cases) for (let i = 0; i < Math.min(2_000, perRound); i++) await fn();
  const best = cases.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, fn]] of cases.entries()) {
      const started = performance.now();
      for (let n = 0; n < perRound; n++) await fn();
      best[i] = Math.min(best[i], (performance.now() - started) / perRound);
    }
  }
  for (const [i, [label]] of cases.entries()) {
    report(`${label.padEnd(42)} ${best[i].toFixed(4)} ms`);
  }
  return best;
}

if (!validateSql(QUERY, parser, policy).ok) throw new Error("the benchmark query is refused");
if (!validateSql(QUERY, parser, hiddenPolicy).ok) throw new Error("refused with hidden data");
report(`typical analytic query, ${iterations} calls each, fastest of ${ROUNDS} rounds`);
const [parse, grammar, full, hidden] = await timeCases([
  ["parse only (libpg-query via parse.ts)", () => parser.parse(QUERY)],
  ["validateSql (parse + grammar rules)", () => validateSql(QUERY, parser, policy)],
  ["checkSql (+ catalog rules, cached)", () => checkSql(QUERY, parser, policy)],
  ["checkSql with hidden tables and columns", () => checkSql(QUERY, parser, hiddenPolicy)],
]);
report(
  `validation beyond parsing: ${(grammar - parse).toFixed(4)} ms (grammar), ` +
    `${(full - parse).toFixed(4)} ms (full); full / parse = ${(full / parse).toFixed(2)}; ` +
    `with hidden data ${(hidden - parse).toFixed(4)} ms, / parse = ${(hidden / parse).toFixed(2)}`,
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
