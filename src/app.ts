import type { Config } from "./config/config.ts";
import { limitsFor, openPool } from "./db/pool.ts";
import { createReadOnlyDb, type ReadOnlyDb } from "./db/read_only.ts";
import { createLlmClient } from "./llm/llm_client.ts";
import type { Logger } from "./log.ts";
import type { ServerDeps } from "./mcp/server.ts";
import { loadExamplesFile } from "./pipeline/examples.ts";
import { introspectSchema } from "./schema/introspect.ts";
import { createSchemaCache } from "./schema/schema_cache.ts";
import { createSqlParser } from "./sql/parse.ts";

export interface App {
  deps: ServerDeps;
  db: ReadOnlyDb;
  close(): Promise<void>;
}

/**
 * Builds the real collaborators from the config; only main.ts and tests call it. Throws the
 * AppError CONFIG_INVALID when LLM_EXAMPLES_FILE cannot be loaded.
 */
export async function createApp(
  config: Config,
  log: Logger,
  version: string,
  now: () => number = Date.now,
): Promise<App> {
  const limits = limitsFor(config.security.maxExecutionTimeS);
  const pool = openPool(config.database, limits, log);
  const db = createReadOnlyDb(pool, limits, log);
  const parser = await createSqlParser();
  const schema = createSchemaCache({
    load: () => introspectSchema(db, config.schema, now),
    enabled: config.cache.enabled,
    ttlMs: config.cache.schemaTtlS * 1000,
    now,
  });
  const llm = createLlmClient(config.llm, log, { maxRetries: config.resilience.maxRetries });
  const policy = { blockedFunctions: new Set(config.security.blockedFunctions) };
  // A bad examples file stops the start: CONFIG_INVALID naming the line (main.ts prints it).
  const examples = config.llm.examplesFile
    ? await loadExamplesFile(config.llm.examplesFile, parser, policy)
    : undefined;
  if (examples && !examples.ok) {
    await db.close();
    throw examples.error;
  }
  const deps: ServerDeps = {
    db,
    parser,
    policy,
    llm,
    nl: {
      maxAttempts: config.llm.maxAttempts,
      validateResults: config.llm.validateResults,
      sampleRows: config.llm.sampleRows,
    },
    ...(examples ? { examples: examples.value } : {}),
    schema,
    schemaTokenBudget: config.schema.promptTokenBudget,
    log,
    limits: {
      maxRows: config.security.maxRows,
      maxResultBytes: config.security.maxResultBytes,
    },
    version,
  };
  return { deps, db, close: () => db.close() };
}
