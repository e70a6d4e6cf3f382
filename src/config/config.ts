/** The typed configuration every part of pg-mcp receives; built once by `loadConfig`. */
import type { HiddenPatterns } from "../hidden/patterns.ts";

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

/** How to reach one database server, and its pool. */
export interface DatabaseConfig {
  /** A postgres:// URL; when absent the separate fields are used. */
  url?: string;
  host: string;
  port: number;
  name?: string;
  user?: string;
  password?: string;
  minPoolSize: number;
  maxPoolSize: number;
  /** Seconds to connect. */
  commandTimeoutS: number;
  /** Seconds a call may wait for a free pool connection (DATABASE_POOL_TIMEOUT). */
  poolTimeoutS: number;
}

/** A database clients can name in the `database` argument. */
export interface NamedDatabase {
  /** "default" (DATABASE_URL, DATABASE_*, PG*), a DATABASE_URL_<NAME>'s name, or "demo". */
  name: string;
  /** Used when a call names no database. */
  isDefault: boolean;
  connection: DatabaseConfig;
}

export interface LlmConfig {
  apiKey?: string;
  model: string;
  baseUrl?: string;
  maxTokens: number;
  temperature: number;
  timeoutS: number;
  /** Generation attempts per question, the first included (the repair loop's bound). */
  maxAttempts: number;
  /** Ask the model to check the result and score its confidence. */
  validateResults: boolean;
  /** Rows of the result shown to the checking model. */
  sampleRows: number;
  /** A JSONL file of {question, sql} examples for the prompt. */
  examplesFile?: string;
  /** Seconds one `query` may take end to end (LLM_QUESTION_TIMEOUT); 0: no deadline. */
  questionTimeoutS: number;
  /** SQL candidates per question (LLM_CANDIDATES); above 1 their results vote. */
  candidates: number;
}

export interface SecurityConfig {
  allowWriteOperations: boolean;
  blockedFunctions: string[];
  maxRows: number;
  maxExecutionTimeS: number;
  maxResultBytes: number;
  requireReadonlyRole: boolean;
  /** Planner cost units above which a statement is refused before it runs; 0: off. */
  maxQueryCost: number;
  /** Signs write confirmations and result cursors; absent: a random key per process. */
  tokenSecret?: string;
  /** `schema.table` that records used write confirmations (several instances). */
  writeLedgerTable?: string;
  /** SECURITY_HIDDEN_TABLES and SECURITY_HIDDEN_COLUMNS, parsed. */
  hidden: HiddenPatterns;
}

export interface CacheConfig {
  enabled: boolean;
  schemaTtlS: number;
  maxSize: number;
}

export interface SchemaConfig {
  /** Schemas to include; empty means every user schema. */
  include: string[];
  exclude: string[];
  /** The most prompt tokens the schema context may cost. */
  promptTokenBudget: number;
}

export interface ResilienceConfig {
  maxRetries: number;
  retryDelayS: number;
  backoffFactor: number;
  circuitBreakerThreshold: number;
  circuitBreakerTimeoutS: number;
}

export interface ObservabilityConfig {
  metricsEnabled: boolean;
  metricsPort: number;
  logLevel: LogLevel;
  logFormat: "json" | "text";
  /** Put the SQL text in the audit lines (never rows). */
  logSql: boolean;
}

/** Per minute; 0 turns a limit off. */
export interface RateLimitConfig {
  requestsPerMinute: number;
  llmRequestsPerMinute: number;
  llmTokensPerMinute: number;
}

export interface ServerConfig {
  transport: "stdio" | "http";
  /** The most characters each copy of a tool result (text, structuredContent) may take. */
  maxResultChars: number;
  host: string;
  port: number;
  /** HTTP clients must send `Authorization: Bearer <one of them>`; empty: no token. */
  authTokens: string[];
  /** Serve a non-loopback bind without a token (behind an authenticating proxy). */
  allowUnauthenticated: boolean;
  /** Origins browsers may call from, besides loopback ones on a loopback bind. */
  allowedOrigins: string[];
  /** Host header names accepted on a non-loopback bind; empty: any. */
  allowedHosts: string[];
  /** The largest MCP message accepted, over stdio and HTTP (bytes). */
  maxMessageBytes: number;
}

export interface Config {
  /** The configured databases; empty when nothing is configured (then `demo` is true). */
  databases: NamedDatabase[];
  /** No database is configured at all: serve the embedded demo database. */
  demo: boolean;
  /** Pool settings for databases that are not configured by variables (the demo). */
  pool: Omit<DatabaseConfig, "url" | "host" | "port" | "name" | "user" | "password">;
  llm: LlmConfig;
  security: SecurityConfig;
  cache: CacheConfig;
  schema: SchemaConfig;
  resilience: ResilienceConfig;
  observability: ObservabilityConfig;
  rateLimits: RateLimitConfig;
  server: ServerConfig;
}
