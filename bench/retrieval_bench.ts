/**
 * Table retrieval on one combined catalog: the 11 BIRD development databases
 * (../shared/data/nl2sql/bird_dev_public, 75 tables) and Spider's 167 databases
 * (../shared/data/nl2sql/spider_dev/tables.json, 881 tables), one schema per database, loaded
 * into a throwaway PostgreSQL cluster and read by `introspectSchema` as the server reads it.
 * Every question is ranked by `rankTables` (what `search_schema` and the prompt use). Reports
 * recall of the gold tables at 5, 10 and 20 for BIRD (all 1,035 questions, and the two halves
 * by id parity: even = the tuning half, odd = held out while tuning) and Spider dev (on the
 * combined catalog and on Spider's tables alone, as measured before), the mean and p95 time per
 * question, and the prompt's schema context at the token budget (our estimate and a real o200k
 * tokenizer; how many gold tables it holds).
 *
 *   deno task bench:retrieval [--budget=4000] [--mode=plain|annotated] [--evidence]
 *     [--save=FILE] [--load=FILE]
 *
 * --mode: how the BIRD DDL is loaded (bench/bird_catalog.ts): `plain` (default; as the data
 * README says: the DDL's comments, keys and foreign keys are lost) or `annotated` (its comments,
 * primary and foreign keys made catalog facts). --evidence appends BIRD's hint to each question
 * (the product never receives one: a secondary figure). --save writes the introspected snapshot
 * as JSON; --load reads one instead of starting PostgreSQL (for quick reruns).
 * Spider's `formula_1` is loaded as schema `spider_formula_1` (BIRD has a `formula_1` too).
 */
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { parseArgs } from "node:util";
import { buildSchemaContext } from "../src/schema/context.ts";
import { introspectSchema } from "../src/schema/introspect.ts";
import { renderSchema } from "../src/schema/render.ts";
import { rankTables } from "../src/schema/retrieval.ts";
import { estimateTokens } from "../src/schema/tokens.ts";
import type { SchemaSnapshot } from "../src/schema/types.ts";
import { openTestDb } from "../tests/support/read_only_db.ts";
import { startTestCluster } from "../tests/support/test_cluster.ts";
import { birdDdl, type BirdMode, readBird } from "./bird_catalog.ts";
import { readSpider, spiderDdl } from "./spider_catalog.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    budget: { type: "string", default: "4000" },
    mode: { type: "string", default: "plain" },
    evidence: { type: "boolean", default: false },
    save: { type: "string" },
    load: { type: "string" },
  },
});
const BUDGET = Number(args.budget);
const MODE = args.mode as BirdMode;
if (!["plain", "annotated", "json"].includes(MODE)) throw new Error(`--mode: ${MODE}`);
const KS = [5, 10, 20] as const;
const RENAMED: Record<string, string> = { formula_1: "spider_formula_1" };

interface Question {
  id: string;
  schema: string;
  text: string;
  tables: string[];
}

const spider = await readSpider();
const bird = await readBird();
for (const db of spider.databases) db.db_id = RENAMED[db.db_id] ?? db.db_id;
const spiderQuestions: Question[] = spider.questions.map((x) => ({
  id: x.id,
  schema: RENAMED[x.db_id] ?? x.db_id,
  text: x.question,
  tables: x.tables,
}));
const birdQuestions: Question[] = bird.questions.map((x) => ({
  id: x.id,
  schema: x.db_id,
  text: args.evidence && x.evidence ? `${x.question} ${x.evidence}` : x.question,
  tables: x.tables,
}));

const snapshot = args.load
  ? JSON.parse(await Deno.readTextFile(args.load)) as SchemaSnapshot
  : await loadCatalog();
if (args.save) await Deno.writeTextFile(args.save, JSON.stringify(snapshot));

async function loadCatalog(): Promise<SchemaSnapshot> {
  const cluster = await startTestCluster();
  try {
    const ddl = [spiderDdl(spider.databases), await birdDdl(bird.names, MODE)];
    const url = await cluster.createDatabase("retrieval", { sql: ddl });
    const db = openTestDb(url, { timeoutS: 60 });
    try {
      const read = await introspectSchema(db, { include: [], exclude: ["public"] }, Date.now);
      if (!read.ok) throw read.error;
      return read.value;
    } finally {
      await db.close();
    }
  } finally {
    await cluster.stop();
  }
}

function evaluate(snap: SchemaSnapshot, questions: Question[], withContext: boolean) {
  const found = { 5: 0, 10: 0, 20: 0 };
  let gold = 0;
  let inContext = 0;
  const ms: number[] = [];
  const estimated: number[] = [];
  const real: number[] = [];
  for (const q of questions) {
    const t0 = performance.now();
    const ranked = rankTables(snap, q.text);
    ms.push(performance.now() - t0);
    const want = q.tables.map((t) => `${q.schema}.${t.toLowerCase()}`);
    gold += want.length;
    for (const k of KS) {
      const top = new Set(ranked.slice(0, k).map((x) => `${x.schema}.${x.table.toLowerCase()}`));
      found[k] += want.filter((w) => top.has(w)).length;
    }
    if (!withContext) continue;
    const ctx = buildSchemaContext(snap, q.text, BUDGET);
    const picked = new Set(ctx.tables.map((t) => `${t.schema}.${t.name.toLowerCase()}`));
    inContext += want.filter((w) => picked.has(w)).length;
    estimated.push(ctx.tokens ?? estimateTokens(ctx.text));
    real.push(countTokens(ctx.text));
  }
  const r = (n: number) => +(n / gold).toFixed(4);
  return {
    questions: questions.length,
    gold_tables: gold,
    recall_at_5: r(found[5]),
    recall_at_10: r(found[10]),
    recall_at_20: r(found[20]),
    ms_mean: +(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(3),
    ms_p95: +pct(ms, 0.95).toFixed(3),
    ...(withContext
      ? {
        prompt_gold_recall: r(inContext),
        prompt_tokens_estimated_mean: mean(estimated),
        prompt_tokens_o200k_mean: mean(real),
        prompt_tokens_o200k_p95: pct(real, 0.95),
      }
      : {}),
  };
}

const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
const parity = (q: Question) => Number(q.id.match(/(\d+)$/)![1]) % 2;

// The first ranking of a snapshot builds its index: timed on its own, then warmed.
const t0 = performance.now();
rankTables(snapshot, "warm up");
const indexMs = performance.now() - t0;
const spiderSchemas = new Set(spider.databases.map((d) => d.db_id));
const spiderOnly: SchemaSnapshot = {
  ...snapshot,
  tables: snapshot.tables.filter((t) => spiderSchemas.has(t.schema)),
};
const all = renderSchema(snapshot);

// deno-lint-ignore no-console -- a benchmark reports on stdout
console.log(JSON.stringify(
  {
    catalog: {
      bird_mode: MODE,
      schemas: new Set(snapshot.tables.map((t) => t.schema)).size,
      tables: snapshot.tables.length,
      columns: snapshot.tables.reduce((n, t) => n + t.columns.length, 0),
      foreign_keys: snapshot.tables.reduce((n, t) => n + t.foreignKeys.length, 0),
      index_build_ms: +indexMs.toFixed(1),
      whole_schema_tokens_o200k: countTokens(all),
    },
    question_text: args.evidence ? "question + evidence" : "question only",
    bird: evaluate(snapshot, birdQuestions, true),
    bird_even_half_tuning: evaluate(snapshot, birdQuestions.filter((q) => !parity(q)), false),
    bird_odd_half_held_out: evaluate(snapshot, birdQuestions.filter((q) => parity(q)), false),
    spider: evaluate(snapshot, spiderQuestions, true),
    spider_on_spider_tables_only: evaluate(spiderOnly, spiderQuestions, false),
    prompt_budget: BUDGET,
    targets: "recall@10 >= 0.90 on BIRD (combined catalog), >= 0.95 on Spider; <= 5 ms/question",
  },
  null,
  2,
));
