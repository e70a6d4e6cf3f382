/**
 * Table retrieval on Spider dev: the 167 databases of ../shared/data/nl2sql/spider_dev/tables.json
 * merged into one PostgreSQL catalog (one schema per database, 881 tables) in a throwaway
 * cluster, read by pg-mcp as createApp builds it, and every question of questions.jsonl sent to
 * the `search_schema` tool through the official MCP client. Reports recall of the gold tables at
 * 5, 10 and 20; the tokens of the prompt's schema context for each question at the configured
 * budget (our estimate and a real o200k tokenizer), and how many gold tables that context holds.
 *
 *   deno run -A bench/retrieval_bench.ts [budget=4000]
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/load_config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { createMcpServer } from "../src/mcp/server.ts";
import { buildSchemaContext } from "../src/schema/context.ts";
import { renderSchema } from "../src/schema/render.ts";
import { estimateTokens } from "../src/schema/tokens.ts";
import { startTestCluster } from "../tests/support/test_cluster.ts";
import { readSpider, spiderDdl } from "./spider_catalog.ts";

const BUDGET = Number(Deno.args[0] ?? 4000);
const KS = [5, 10, 20] as const;

const cluster = await startTestCluster();
try {
  const { databases, questions } = await readSpider();
  const url = await cluster.createDatabase("spider_dev", { sql: [spiderDdl(databases)] });
  const cfg = loadConfig({
    DATABASE_URL: url,
    SCHEMA_EXCLUDE: "public",
    SCHEMA_PROMPT_TOKEN_BUDGET: String(BUDGET),
  });
  if (!cfg.ok) throw cfg.error;
  const app = await createApp(cfg.value, createMemoryLogger("ERROR"), "bench");
  const server = createMcpServer(app.deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "retrieval-bench", version: "1" });
  await client.connect(clientSide);

  const snapshot = await app.deps.schema.get();
  if (!snapshot.ok) throw snapshot.error;
  const all = renderSchema(snapshot.value);

  const found = { 5: 0, 10: 0, 20: 0 };
  let gold = 0;
  let inContext = 0;
  const estimated: number[] = [];
  const real: number[] = [];
  let searchMs = 0;
  for (const q of questions) {
    const t0 = performance.now();
    const r = await client.callTool({
      name: "search_schema",
      arguments: { query: q.question, limit: 20 },
    });
    searchMs += performance.now() - t0;
    const results = (r.structuredContent as { results: { schema: string; table: string }[] })
      .results;
    const want = q.tables.map((t) => `${q.db_id}.${t.toLowerCase()}`);
    gold += want.length;
    for (const k of KS) {
      const top = new Set(results.slice(0, k).map((x) => `${x.schema}.${x.table.toLowerCase()}`));
      found[k] += want.filter((w) => top.has(w)).length;
    }
    const ctx = buildSchemaContext(snapshot.value, q.question, BUDGET);
    const picked = new Set(ctx.tables.map((t) => `${t.schema}.${t.name.toLowerCase()}`));
    inContext += want.filter((w) => picked.has(w)).length;
    estimated.push(ctx.tokens ?? estimateTokens(ctx.text));
    real.push(countTokens(ctx.text));
  }
  const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const p = (xs: number[], q: number) =>
    [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];
  // deno-lint-ignore no-console -- a benchmark reports on stdout
  console.log(JSON.stringify(
    {
      schemas: new Set(snapshot.value.tables.map((t) => t.schema)).size,
      tables: snapshot.value.tables.length,
      questions: questions.length,
      gold_tables: gold,
      recall_at_5: +(found[5] / gold).toFixed(4),
      recall_at_10: +(found[10] / gold).toFixed(4),
      recall_at_20: +(found[20] / gold).toFixed(4),
      prompt_budget: BUDGET,
      prompt_gold_recall: +(inContext / gold).toFixed(4),
      prompt_tokens_estimated_mean: mean(estimated),
      prompt_tokens_o200k_mean: mean(real),
      prompt_tokens_o200k_p95: p(real, 0.95),
      prompt_tokens_o200k_max: Math.max(...real),
      whole_schema_tokens_o200k: countTokens(all),
      whole_schema_tokens_estimated: estimateTokens(all),
      search_schema_ms_mean: +(searchMs / questions.length).toFixed(2),
      target: "recall@10 >= 0.95 with a prompt under 4,000 tokens",
    },
    null,
    2,
  ));
  await client.close();
  await server.close();
  await app.close();
} finally {
  await cluster.stop();
}
