import { createSqlParser, splitSql } from "../src/sql/parse.ts";
import { validateSql } from "../src/sql/validate.ts";
import { DEFAULT_BLOCKED_FUNCTIONS } from "../src/config/blocked_functions.ts";
const parser = await createSqlParser();
const policy = { blockedFunctions: new Set(DEFAULT_BLOCKED_FUNCTIONS) };
const stmts = splitSql(await Deno.readTextFile("tests/fixtures/sql/valid-select-sample.sql"));
if (!stmts.ok) throw stmts.error;
let acc = 0;
for (const s of stmts.value) {
  const r = validateSql(s, parser, policy);
  if (r.ok) acc++; else console.log(JSON.stringify(r.error.details), s.split("\n").filter(l=>!l.startsWith("--")).join(" ").slice(0,150));
}
console.log(stmts.value.length, acc);
const q = `WITH monthly AS (SELECT c.customer_id, date_trunc('month', i.invoice_date) AS month, sum(il.unit_price * il.quantity) AS total FROM customer c JOIN invoice i ON i.customer_id = c.customer_id JOIN invoice_line il ON il.invoice_id = i.invoice_id WHERE i.invoice_date >= now() - interval '1 year' GROUP BY c.customer_id, date_trunc('month', i.invoice_date)) SELECT customer_id, month, total, rank() OVER (PARTITION BY month ORDER BY total DESC) AS rnk, avg(total) OVER (PARTITION BY customer_id) AS avg_total FROM monthly WHERE total > 10 ORDER BY month, rnk LIMIT 100`;
for (let i=0;i<2000;i++) validateSql(q, parser, policy);
let t = performance.now(); for (let i=0;i<5000;i++) validateSql(q, parser, policy); console.log("validate", (performance.now()-t)/5000);
t = performance.now(); for (let i=0;i<5000;i++) parser.parse(q); console.log("parse", (performance.now()-t)/5000);
