import assert from "node:assert/strict";
import { DEFAULT_BLOCKED_FUNCTIONS } from "./blocked_functions.ts";
import { DEFAULT_MAX_RESULT_BYTES, loadConfig } from "./load_config.ts";

const MINIMAL = { DATABASE_NAME: "shop", DATABASE_USER: "reader" };

function problems(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  assert.equal(result.ok, false);
  if (result.ok) return [];
  assert.equal(result.error.code, "CONFIG_INVALID");
  return result.error.details.problems as string[];
}

Deno.test("loadConfig() applies every documented default", () => {
  const result = loadConfig(MINIMAL);
  assert.ok(result.ok);
  const c = result.value;
  assert.equal(c.demo, false);
  assert.deepEqual(c.databases, [{
    name: "default",
    isDefault: true,
    connection: {
      url: undefined,
      host: "localhost",
      port: 5432,
      name: "shop",
      user: "reader",
      password: undefined,
      minPoolSize: 5,
      maxPoolSize: 20,
      commandTimeoutS: 30,
      poolTimeoutS: 5,
    },
  }]);
  assert.equal(c.server.maxResultChars, 100_000);
  assert.equal(c.server.maxMessageBytes, 4 * 1024 * 1024);
  assert.deepEqual(c.server.authTokens, []);
  assert.equal(c.security.maxQueryCost, 0);
  assert.equal(c.llm.questionTimeoutS, 120);
  assert.equal(c.llm.apiKey, undefined);
  assert.equal(c.llm.model, "gpt-5.2-mini");
  assert.equal(c.llm.maxTokens, 32000);
  assert.equal(c.llm.temperature, 0);
  assert.equal(c.llm.timeoutS, 30);
  assert.equal(c.security.allowWriteOperations, false);
  assert.deepEqual(c.security.blockedFunctions, [...DEFAULT_BLOCKED_FUNCTIONS]);
  assert.equal(c.security.maxRows, 10000);
  assert.equal(c.security.maxExecutionTimeS, 30);
  assert.equal(c.security.maxResultBytes, DEFAULT_MAX_RESULT_BYTES);
  assert.deepEqual(c.cache, { enabled: true, schemaTtlS: 3600, maxSize: 100 });
  assert.deepEqual(c.resilience, {
    maxRetries: 3,
    retryDelayS: 1,
    backoffFactor: 2,
    circuitBreakerThreshold: 5,
    circuitBreakerTimeoutS: 60,
  });
  assert.deepEqual(c.observability, {
    metricsEnabled: true,
    metricsPort: 9090,
    logLevel: "INFO",
    logFormat: "json",
    logSql: false,
  });
  assert.deepEqual(c.rateLimits, {
    requestsPerMinute: 600,
    llmRequestsPerMinute: 120,
    llmTokensPerMinute: 1_000_000,
  });
});

Deno.test("loadConfig() accepts DATABASE_URL instead of the separate fields", () => {
  const result = loadConfig({ DATABASE_URL: "postgresql://u:p@db:6543/x?sslmode=require" });
  assert.ok(result.ok);
  assert.equal(
    result.value.databases[0].connection.url,
    "postgresql://u:p@db:6543/x?sslmode=require",
  );
});

Deno.test("loadConfig() falls back to libpq's PG* variables, DATABASE_* winning", () => {
  const result = loadConfig({
    PGHOST: "pg.internal",
    PGPORT: "6000",
    PGDATABASE: "fromlibpq",
    PGUSER: "libpquser",
    PGPASSWORD: "pw",
    DATABASE_NAME: "explicit",
  });
  assert.ok(result.ok);
  const db = result.value.databases[0].connection;
  assert.equal(db.host, "pg.internal");
  assert.equal(db.port, 6000);
  assert.equal(db.name, "explicit");
  assert.equal(db.user, "libpquser");
  assert.equal(db.password, "pw");
});

Deno.test("loadConfig() parses booleans, numbers, lists and levels in their usual spellings", () => {
  const result = loadConfig({
    ...MINIMAL,
    SECURITY_ALLOW_WRITE_OPERATIONS: "YES",
    CACHE_ENABLED: "0",
    OPENAI_TEMPERATURE: "0.7",
    RESILIENCE_RETRY_DELAY: ".5",
    SECURITY_BLOCKED_FUNCTIONS: " PG_SLEEP, dblink ,,",
    OBSERVABILITY_LOG_LEVEL: "debug",
    SCHEMA_INCLUDE: "public,sales",
  });
  assert.ok(result.ok);
  const c = result.value;
  assert.equal(c.security.allowWriteOperations, true);
  assert.equal(c.cache.enabled, false);
  assert.equal(c.llm.temperature, 0.7);
  assert.equal(c.resilience.retryDelayS, 0.5);
  assert.deepEqual(c.security.blockedFunctions, ["pg_sleep", "dblink"]);
  assert.equal(c.observability.logLevel, "DEBUG");
  assert.deepEqual(c.schema.include, ["public", "sales"]);
});

Deno.test("loadConfig() treats empty values as unset", () => {
  const result = loadConfig({ ...MINIMAL, DATABASE_PORT: "", OPENAI_API_KEY: "  " });
  assert.ok(result.ok);
  assert.equal(result.value.databases[0].connection.port, 5432);
  assert.equal(result.value.llm.apiKey, undefined);
});

Deno.test("loadConfig() names every bad variable in one CONFIG_INVALID", () => {
  const found = problems({
    DATABASE_PORT: "fifty",
    DATABASE_MAX_POOL_SIZE: "0",
    OPENAI_TEMPERATURE: "3",
    SECURITY_MAX_ROWS: "-5",
    CACHE_ENABLED: "maybe",
    OBSERVABILITY_LOG_FORMAT: "xml",
  });
  const names = found.map((p) => p.split(" ")[0]);
  for (
    const name of [
      "DATABASE_NAME",
      "DATABASE_USER",
      "DATABASE_PORT",
      "DATABASE_MAX_POOL_SIZE",
      "OPENAI_TEMPERATURE",
      "SECURITY_MAX_ROWS",
      "CACHE_ENABLED",
      "OBSERVABILITY_LOG_FORMAT",
    ]
  ) assert.ok(names.includes(name), `${name} reported in ${JSON.stringify(found)}`);
});

Deno.test("loadConfig() never echoes a secret in its message", () => {
  const result = loadConfig({
    DATABASE_URL: "mysql://admin:hunter2-secret@db/x",
    OPENAI_BASE_URL: "not a url sk-live-123",
  });
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.match(result.error.message, /DATABASE_URL/);
  assert.match(result.error.message, /OPENAI_BASE_URL/);
  assert.ok(!result.error.message.includes("hunter2"));
  assert.ok(!result.error.message.includes("sk-live-123"));
});

Deno.test("loadConfig() refuses a minimum pool larger than the maximum", () => {
  const found = problems({ ...MINIMAL, DATABASE_MIN_POOL_SIZE: "10", DATABASE_MAX_POOL_SIZE: "4" });
  assert.deepEqual(found, ["DATABASE_MIN_POOL_SIZE must not exceed DATABASE_MAX_POOL_SIZE"]);
});

Deno.test("loadConfig() adds a database per DATABASE_URL_<NAME>, lower-cased, besides the default", () => {
  const result = loadConfig({
    DATABASE_URL: "postgres://u@main/app",
    DATABASE_URL_SALES: "postgres://u@sales/sales",
    DATABASE_URL_HR_2024: "postgresql://u@hr/hr",
    DATABASE_MAX_POOL_SIZE: "7",
  });
  assert.ok(result.ok);
  const dbs = result.value.databases;
  assert.deepEqual(dbs.map((d) => [d.name, d.isDefault]), [
    ["default", true],
    ["hr_2024", false],
    ["sales", false],
  ]);
  assert.equal(dbs[2].connection.url, "postgres://u@sales/sales");
  assert.equal(dbs[2].connection.maxPoolSize, 7);
  assert.equal(result.value.demo, false);
});

Deno.test("loadConfig(): only named databases: one is the default, several have none", () => {
  const one = loadConfig({ DATABASE_URL_SALES: "postgres://u@sales/sales" });
  assert.ok(one.ok);
  assert.deepEqual(one.value.databases.map((d) => [d.name, d.isDefault]), [["sales", true]]);
  const two = loadConfig({
    DATABASE_URL_SALES: "postgres://u@sales/sales",
    DATABASE_URL_HR: "postgres://u@hr/hr",
  });
  assert.ok(two.ok);
  assert.deepEqual(two.value.databases.map((d) => d.isDefault), [false, false]);
});

Deno.test("loadConfig(): nothing configured means the demo database; a bad named URL is reported", () => {
  const none = loadConfig({});
  assert.ok(none.ok);
  assert.equal(none.value.demo, true);
  assert.deepEqual(none.value.databases, []);
  const found = problems({
    DATABASE_URL_X: "mysql://nope",
    DATABASE_URL_DEFAULT: "postgres://a/b",
  });
  assert.ok(found.some((p) => p.startsWith("DATABASE_URL_X ")), JSON.stringify(found));
  assert.ok(found.some((p) => p.startsWith("DATABASE_URL_DEFAULT ")), JSON.stringify(found));
});

Deno.test("loadConfig() takes several HTTP tokens and refuses a short confirm secret", () => {
  const result = loadConfig({ ...MINIMAL, MCP_HTTP_AUTH_TOKEN: "old-token, new-token" });
  assert.ok(result.ok);
  assert.deepEqual(result.value.server.authTokens, ["old-token", "new-token"]);
  const found = problems({ ...MINIMAL, SECURITY_WRITE_CONFIRM_SECRET: "short" });
  assert.deepEqual(found, ["SECURITY_WRITE_CONFIRM_SECRET must have at least 32 characters"]);
});
