/**
 * The real app (createApp: pool, parser, schema cache, openai client) on a fresh copy of a sample
 * database, with the LLM client aimed at a scripted fake: for tests of the NL→SQL pipeline.
 *
 * The client is built with RESILIENCE_MAX_RETRIES=0 so a scripted 429/500 is seen at once, and a
 * short OPENAI_TIMEOUT so a stall ends quickly. `env` adds or overrides variables.
 */
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load_config.ts";
import { createMemoryLogger, type Logger } from "../../src/log.ts";
import { type FakeLlm, type FakeStep, startFakeLlm } from "./fake_llm.ts";
import { openTestDb, type TestDb } from "./read_only_db.ts";
import { loadSample, type SampleName } from "./samples.ts";
import { sharedTestCluster } from "./test_cluster.ts";

export interface NlApp extends AsyncDisposable {
  app: App;
  llm: FakeLlm;
  dbUrl: string;
  /** The test's own read connection to the same database (bypasses pg-mcp's validator). */
  db: TestDb;
  log: Logger & { lines: string[] };
  /** The text of every message of the n-th chat request (0-based), joined. */
  promptText(n: number): string;
}

export interface NlAppOptions {
  sample?: SampleName;
  env?: Record<string, string>;
  /** Reuse a database instead of loading a new copy. */
  dbUrl?: string;
}

export async function startNlApp(script: FakeStep[], options: NlAppOptions = {}): Promise<NlApp> {
  const cluster = await sharedTestCluster();
  const dbUrl = options.dbUrl ?? await loadSample(cluster, options.sample ?? "pgexercises");
  const llm = startFakeLlm(script);
  const config = loadConfig({
    DATABASE_URL: dbUrl,
    DATABASE_MIN_POOL_SIZE: "0",
    DATABASE_MAX_POOL_SIZE: "4",
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: llm.url,
    OPENAI_MODEL: "fake-model",
    OPENAI_TIMEOUT: "2",
    RESILIENCE_MAX_RETRIES: "0",
    OBSERVABILITY_METRICS_ENABLED: "false",
    ...options.env,
  });
  if (!config.ok) {
    await llm.close();
    throw config.error;
  }
  const log = createMemoryLogger("DEBUG");
  let app: App;
  try {
    app = await createApp(config.value, log, "test");
  } catch (error) {
    await llm.close();
    throw error;
  }
  const db = openTestDb(dbUrl);
  const close = async () => {
    await db.close();
    await app.close();
    await llm.close();
  };
  return {
    app,
    llm,
    dbUrl,
    db,
    log,
    promptText: (n) =>
      (llm.chatRequests()[n]?.body?.messages ?? []).map((m) => String(m.content)).join("\n"),
    [Symbol.asyncDispose]: close,
  };
}

/** A scripted generator answer in the JSON shape the prompt asks for. */
export function sqlAnswer(sql: string, confidence = 80, explanation = "scripted"): string {
  return JSON.stringify({ sql, explanation, assumptions: [], confidence });
}

/** A scripted result-check answer. */
export function checkAnswer(confidence: number, explanation = "looks right"): string {
  return JSON.stringify({ confidence, explanation });
}
