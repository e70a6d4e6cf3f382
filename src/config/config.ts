/** The typed configuration every part of pg-mcp receives; built once by `loadConfig`. */
import type { HiddenPatterns } from "../hidden/patterns.ts";

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

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
  commandTimeoutS: number;
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
}

export interface SecurityConfig {
  allowWriteOperations: boolean;
  blockedFunctions: string[];
  maxRows: number;
  maxExecutionTimeS: number;
  maxResultBytes: number;
  requireReadonlyRole: boolean;
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
}

export interface ServerConfig {
  transport: "stdio" | "http";
  host: string;
  port: number;
  /** When set, HTTP clients must send `Authorization: Bearer <token>`. */
  authToken?: string;
}

export interface Config {
  database: DatabaseConfig;
  llm: LlmConfig;
  security: SecurityConfig;
  cache: CacheConfig;
  schema: SchemaConfig;
  resilience: ResilienceConfig;
  observability: ObservabilityConfig;
  server: ServerConfig;
}
