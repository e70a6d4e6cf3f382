import { fail, ok, type Result } from "../errors.ts";
import { DEFAULT_BLOCKED_FUNCTIONS } from "./blocked_functions.ts";
import type { Config, DatabaseConfig, NamedDatabase } from "./config.ts";
import {
  envBool,
  envEnum,
  envHiddenPatterns,
  envInt,
  envList,
  envNumber,
  EnvReader,
  envText,
  envUrl,
} from "./env_readers.ts";

/** Every variable pg-mcp reads (the launcher grants exactly these). */
export const ENV_VARS = [
  "DATABASE_URL",
  "DATABASE_HOST",
  "DATABASE_PORT",
  "DATABASE_NAME",
  "DATABASE_USER",
  "DATABASE_PASSWORD",
  "DATABASE_MIN_POOL_SIZE",
  "DATABASE_MAX_POOL_SIZE",
  "DATABASE_COMMAND_TIMEOUT",
  "DATABASE_POOL_TIMEOUT",
  "PGHOST",
  "PGPORT",
  "PGDATABASE",
  "PGUSER",
  "PGPASSWORD",
  "OPENAI_API_KEY",
  "OPENAI_MODEL",
  "OPENAI_BASE_URL",
  "OPENAI_MAX_TOKENS",
  "OPENAI_TEMPERATURE",
  "OPENAI_TIMEOUT",
  "LLM_MAX_ATTEMPTS",
  "LLM_VALIDATE_RESULTS",
  "LLM_SAMPLE_ROWS",
  "LLM_EXAMPLES_FILE",
  "LLM_QUESTION_TIMEOUT",
  "LLM_CANDIDATES",
  "SECURITY_ALLOW_WRITE_OPERATIONS",
  "SECURITY_BLOCKED_FUNCTIONS",
  "SECURITY_MAX_ROWS",
  "SECURITY_MAX_EXECUTION_TIME",
  "SECURITY_MAX_RESULT_BYTES",
  "SECURITY_REQUIRE_READONLY_ROLE",
  "SECURITY_MAX_QUERY_COST",
  "SECURITY_WRITE_CONFIRM_SECRET",
  "SECURITY_WRITE_LEDGER_TABLE",
  "SECURITY_HIDDEN_TABLES",
  "SECURITY_HIDDEN_COLUMNS",
  "CACHE_ENABLED",
  "CACHE_SCHEMA_TTL",
  "CACHE_MAX_SIZE",
  "SCHEMA_INCLUDE",
  "SCHEMA_EXCLUDE",
  "SCHEMA_PROMPT_TOKEN_BUDGET",
  "RESILIENCE_MAX_RETRIES",
  "RESILIENCE_RETRY_DELAY",
  "RESILIENCE_BACKOFF_FACTOR",
  "RESILIENCE_CIRCUIT_BREAKER_THRESHOLD",
  "RESILIENCE_CIRCUIT_BREAKER_TIMEOUT",
  "OBSERVABILITY_METRICS_ENABLED",
  "OBSERVABILITY_METRICS_PORT",
  "OBSERVABILITY_LOG_LEVEL",
  "OBSERVABILITY_LOG_FORMAT",
  "OBSERVABILITY_LOG_SQL",
  "RATE_LIMIT_REQUESTS_PER_MINUTE",
  "RATE_LIMIT_LLM_REQUESTS_PER_MINUTE",
  "RATE_LIMIT_LLM_TOKENS_PER_MINUTE",
  "MCP_TRANSPORT",
  "MCP_HTTP_HOST",
  "MCP_HTTP_PORT",
  "MCP_HTTP_AUTH_TOKEN",
  "MCP_HTTP_ALLOW_UNAUTHENTICATED",
  "MCP_HTTP_ALLOWED_ORIGINS",
  "MCP_HTTP_ALLOWED_HOSTS",
  "MCP_MAX_RESULT_CHARS",
  "MCP_MAX_MESSAGE_BYTES",
] as const;

/** `DATABASE_URL_<NAME>` adds a database named `<name>` (lower-case). */
export const NAMED_DATABASE_URL = /^DATABASE_URL_([A-Za-z0-9_]+)$/;

/** Variables that configure the default database; none of them set means the demo. */
const DEFAULT_DATABASE_VARS = [
  "DATABASE_URL",
  "DATABASE_HOST",
  "DATABASE_PORT",
  "DATABASE_NAME",
  "DATABASE_USER",
  "DATABASE_PASSWORD",
  "PGHOST",
  "PGPORT",
  "PGDATABASE",
  "PGUSER",
  "PGPASSWORD",
];

/** The most characters a tool result's copy may take by default (Claude Code: ~25,000 tokens). */
export const DEFAULT_MAX_RESULT_CHARS = 100_000;

export type Env = Readonly<Record<string, string | undefined>>;

/** Keeps a response under Claude Desktop's 1 MiB limit with room for the envelope. */
export const DEFAULT_MAX_RESULT_BYTES = 900_000;

/** Turns the environment into one validated Config, or one CONFIG_INVALID naming every problem. */
export function loadConfig(env: Env): Result<Config> {
  const r = new EnvReader(env);
  const pool = readPool(r);
  const databases = readDatabases(r, env, pool);
  const config: Config = {
    databases,
    demo: databases.length === 0,
    pool,
    llm: {
      apiKey: r.get("OPENAI_API_KEY", envText()),
      model: r.get("OPENAI_MODEL", envText(), "gpt-5.2-mini"),
      baseUrl: r.get("OPENAI_BASE_URL", envUrl(["http:", "https:"])),
      maxTokens: r.get("OPENAI_MAX_TOKENS", envInt(1, 10_000_000), 32_000),
      temperature: r.get("OPENAI_TEMPERATURE", envNumber(0, 2), 0),
      timeoutS: r.get("OPENAI_TIMEOUT", envNumber(0.1, 3600), 30),
      maxAttempts: r.get("LLM_MAX_ATTEMPTS", envInt(1, 10), 3),
      validateResults: r.get("LLM_VALIDATE_RESULTS", envBool(), true),
      sampleRows: r.get("LLM_SAMPLE_ROWS", envInt(0, 1000), 10),
      examplesFile: r.get("LLM_EXAMPLES_FILE", envText()),
      questionTimeoutS: r.get("LLM_QUESTION_TIMEOUT", envNumber(0, 86_400), 120),
      candidates: r.get("LLM_CANDIDATES", envInt(1, 10), 1),
    },
    security: {
      allowWriteOperations: r.get(
        "SECURITY_ALLOW_WRITE_OPERATIONS",
        envBool(),
        false,
      ),
      blockedFunctions: r.get("SECURITY_BLOCKED_FUNCTIONS", envList(), [
        ...DEFAULT_BLOCKED_FUNCTIONS,
      ]).map((f) => f.toLowerCase()),
      maxRows: r.get("SECURITY_MAX_ROWS", envInt(1, 10_000_000), 10_000),
      maxExecutionTimeS: r.get(
        "SECURITY_MAX_EXECUTION_TIME",
        envNumber(0.001, 86_400),
        30,
      ),
      maxResultBytes: r.get(
        "SECURITY_MAX_RESULT_BYTES",
        envInt(1024, 1_000_000_000),
        DEFAULT_MAX_RESULT_BYTES,
      ),
      requireReadonlyRole: r.get(
        "SECURITY_REQUIRE_READONLY_ROLE",
        envBool(),
        false,
      ),
      maxQueryCost: r.get("SECURITY_MAX_QUERY_COST", envNumber(0, 1e15), 0),
      tokenSecret: r.raw("SECURITY_WRITE_CONFIRM_SECRET"),
      writeLedgerTable: r.get(
        "SECURITY_WRITE_LEDGER_TABLE",
        envText().regex(
          /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/,
          "must be schema.table in lower-case letters, digits and underscores",
        ),
      ),
      hidden: {
        tables: r.get("SECURITY_HIDDEN_TABLES", envHiddenPatterns("table"), []),
        columns: r.get("SECURITY_HIDDEN_COLUMNS", envHiddenPatterns("column"), []),
      },
    },
    cache: {
      enabled: r.get("CACHE_ENABLED", envBool(), true),
      schemaTtlS: r.get("CACHE_SCHEMA_TTL", envNumber(0, 31_536_000), 3600),
      maxSize: r.get("CACHE_MAX_SIZE", envInt(1, 1_000_000), 100),
    },
    schema: {
      include: r.get("SCHEMA_INCLUDE", envList(), []),
      exclude: r.get("SCHEMA_EXCLUDE", envList(), []),
      promptTokenBudget: r.get(
        "SCHEMA_PROMPT_TOKEN_BUDGET",
        envInt(200, 10_000_000),
        4000,
      ),
    },
    resilience: {
      maxRetries: r.get("RESILIENCE_MAX_RETRIES", envInt(0, 100), 3),
      retryDelayS: r.get("RESILIENCE_RETRY_DELAY", envNumber(0, 3600), 1),
      backoffFactor: r.get("RESILIENCE_BACKOFF_FACTOR", envNumber(1, 100), 2),
      circuitBreakerThreshold: r.get(
        "RESILIENCE_CIRCUIT_BREAKER_THRESHOLD",
        envInt(1, 10_000),
        5,
      ),
      circuitBreakerTimeoutS: r.get(
        "RESILIENCE_CIRCUIT_BREAKER_TIMEOUT",
        envNumber(0, 86_400),
        60,
      ),
    },
    observability: {
      metricsEnabled: r.get("OBSERVABILITY_METRICS_ENABLED", envBool(), true),
      metricsPort: r.get("OBSERVABILITY_METRICS_PORT", envInt(0, 65_535), 9090),
      logLevel: r.get(
        "OBSERVABILITY_LOG_LEVEL",
        envEnum(["DEBUG", "INFO", "WARNING", "ERROR"] as const),
        "INFO",
      ),
      logFormat: r.get(
        "OBSERVABILITY_LOG_FORMAT",
        envEnum(["json", "text"] as const),
        "json",
      ),
      logSql: r.get("OBSERVABILITY_LOG_SQL", envBool(), false),
    },
    rateLimits: {
      requestsPerMinute: r.get("RATE_LIMIT_REQUESTS_PER_MINUTE", envInt(0, 10_000_000), 600),
      llmRequestsPerMinute: r.get("RATE_LIMIT_LLM_REQUESTS_PER_MINUTE", envInt(0, 10_000_000), 120),
      llmTokensPerMinute: r.get(
        "RATE_LIMIT_LLM_TOKENS_PER_MINUTE",
        envInt(0, 1_000_000_000),
        1_000_000,
      ),
    },
    server: {
      transport: r.get(
        "MCP_TRANSPORT",
        envEnum(["stdio", "http"] as const),
        "stdio",
      ),
      host: r.get("MCP_HTTP_HOST", envText(), "127.0.0.1"),
      port: r.get("MCP_HTTP_PORT", envInt(0, 65_535), 8000),
      authTokens: r.get("MCP_HTTP_AUTH_TOKEN", envList(), []),
      allowUnauthenticated: r.get("MCP_HTTP_ALLOW_UNAUTHENTICATED", envBool(), false),
      allowedOrigins: r.get("MCP_HTTP_ALLOWED_ORIGINS", envList(), []),
      allowedHosts: r.get("MCP_HTTP_ALLOWED_HOSTS", envList(), []),
      maxMessageBytes: r.get("MCP_MAX_MESSAGE_BYTES", envInt(1024, 1_073_741_824), 4 * 1024 * 1024),
      maxResultChars: r.get(
        "MCP_MAX_RESULT_CHARS",
        envInt(1_000, 1_000_000_000),
        DEFAULT_MAX_RESULT_CHARS,
      ),
    },
  };
  if (tokenSecretTooShort(config.security.tokenSecret)) {
    r.problem("SECURITY_WRITE_CONFIRM_SECRET must have at least 32 characters");
  }
  if (pool.minPoolSize > pool.maxPoolSize) {
    r.problem("DATABASE_MIN_POOL_SIZE must not exceed DATABASE_MAX_POOL_SIZE");
  }
  if (r.problems.length > 0) {
    return fail(
      "CONFIG_INVALID",
      `Cannot start: invalid configuration: ${r.problems.join("; ")}`,
      {
        problems: r.problems,
      },
    );
  }
  return ok(config);
}

function tokenSecretTooShort(secret: string | undefined): boolean {
  return secret !== undefined && secret.length < 32;
}

type PoolSettings = Config["pool"];

function readPool(r: EnvReader): PoolSettings {
  return {
    minPoolSize: r.get("DATABASE_MIN_POOL_SIZE", envInt(0, 1000), 5),
    maxPoolSize: r.get("DATABASE_MAX_POOL_SIZE", envInt(1, 1000), 20),
    commandTimeoutS: r.get("DATABASE_COMMAND_TIMEOUT", envNumber(0.001, 86_400), 30),
    poolTimeoutS: r.get("DATABASE_POOL_TIMEOUT", envNumber(0.001, 3_600), 5),
  };
}

/**
 * The default database (DATABASE_URL, or DATABASE_* / PG*) and every DATABASE_URL_<NAME>. None
 * at all: an empty list, and the embedded demo database is served instead.
 */
function readDatabases(r: EnvReader, env: Env, pool: PoolSettings): NamedDatabase[] {
  const named: NamedDatabase[] = [];
  for (const variable of Object.keys(env).sort()) {
    const m = NAMED_DATABASE_URL.exec(variable);
    if (!m || r.raw(variable) === undefined) continue;
    const name = m[1].toLowerCase();
    if (name === "default") {
      r.problem(`${variable} is not allowed: DATABASE_URL sets the default database`);
      continue;
    }
    const url = r.get(variable, envUrl(["postgres:", "postgresql:"]));
    if (url === undefined) continue;
    named.push({
      name,
      isDefault: false,
      connection: { url, host: "localhost", port: 5432, ...pool },
    });
  }
  const configured = DEFAULT_DATABASE_VARS.some((v) => r.raw(v) !== undefined);
  if (!configured) {
    // One named database and no default: that one answers calls that name none.
    if (named.length === 1) named[0].isDefault = true;
    return named;
  }
  return [{ name: "default", isDefault: true, connection: readDefaultDatabase(r, pool) }, ...named];
}

function readDefaultDatabase(r: EnvReader, pool: PoolSettings): DatabaseConfig {
  const url = r.get("DATABASE_URL", envUrl(["postgres:", "postgresql:"]));
  const pick = (name: string, pg: string) => r.raw(name) !== undefined ? name : pg;
  const db: DatabaseConfig = {
    url,
    host: r.get(pick("DATABASE_HOST", "PGHOST"), envText(), "localhost"),
    port: r.get(pick("DATABASE_PORT", "PGPORT"), envInt(1, 65_535), 5432),
    name: r.get(pick("DATABASE_NAME", "PGDATABASE"), envText()),
    user: r.get(pick("DATABASE_USER", "PGUSER"), envText()),
    password: r.raw("DATABASE_PASSWORD") ?? r.raw("PGPASSWORD"),
    ...pool,
  };
  if (url === undefined && r.raw("DATABASE_URL") === undefined) {
    if (db.name === undefined) {
      r.problem(
        "DATABASE_NAME is required unless DATABASE_URL is set (PGDATABASE also works)",
      );
    }
    if (db.user === undefined) {
      r.problem(
        "DATABASE_USER is required unless DATABASE_URL is set (PGUSER also works)",
      );
    }
  }
  return db;
}
