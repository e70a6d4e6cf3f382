/** JSON-lines logging to stderr: stdout is the MCP channel in stdio mode. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** Changes the level at run time (MCP logging/setLevel); shared with every child. */
  setLevel(level: LogLevel): void;
}

const RANK: Record<LogLevel, number> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
};

/**
 * Keys whose values are secrets, compared exactly (case and `-`/`_` folded), never by
 * substring: `tokens_used` and `token_count` are numbers worth logging, `token` is a secret.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "password",
  "passwd",
  "pwd",
  "secret",
  "client_secret",
  "api_key",
  "apikey",
  "openai_api_key",
  "authorization",
  "proxy_authorization",
  "cookie",
  "set_cookie",
  "token",
  "access_token",
  "refresh_token",
  "auth_token",
  "bearer",
  "private_key",
  "database_password",
  "pgpassword",
  "mcp_http_auth_token",
  "security_write_confirm_secret",
  "confirm_token",
]);
const URL_PASSWORD = /(\w+:\/\/[^:\s/@]*:)[^@\s]*@/g;
/** The same pattern, to test (a global RegExp keeps state between `test` calls). */
const HAS_URL_PASSWORD = new RegExp(URL_PASSWORD.source);

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replaceAll("-", "_"));
}

export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "text";
  write?: (line: string) => void;
  now?: () => Date;
}

/**
 * Drops secret keys and passwords embedded in URLs, at any depth. A value with nothing to drop
 * is returned as it is (no copy: most log lines have no secret).
 */
export function redact(value: unknown, depth = 0): unknown {
  return isClean(value, depth) ? value : redactCopy(value, depth);
}

/** True when `redactCopy` would make an equal value: no secret key, no URL password, no Error. */
function isClean(value: unknown, depth: number): boolean {
  if (typeof value === "string") return !value.includes("://") || !HAS_URL_PASSWORD.test(value);
  if (value instanceof Error) return false;
  if (depth > 6 || value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (const v of value) if (!isClean(v, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  // Anything but a plain object (an Error, a Date) is made a plain copy, as it always was.
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    if (isSecretKey(key) || !isClean((value as Record<string, unknown>)[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

function redactCopy(value: unknown, depth: number): unknown {
  if (typeof value === "string") return value.replace(URL_PASSWORD, "$1***@");
  if (value instanceof Error) {
    return redact({ name: value.name, message: value.message }, depth);
  }
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? "***" : redact(v, depth + 1)]),
  );
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const state = { level: options.level };
  return build(options, state, base);
}

function build(options: LoggerOptions, state: { level: LogLevel }, base: LogFields): Logger {
  const encoder = new TextEncoder();
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (RANK[level] < RANK[state.level]) return;
    const ts = now().toISOString();
    write(
      options.format === "json"
        ? JSON.stringify(redact({ ts, level, event, ...base, ...fields }))
        : `${ts} ${level} ${event} ${JSON.stringify(redact({ ...base, ...fields }))}`,
    );
  };
  return {
    debug: (e, f) => emit("DEBUG", e, f),
    info: (e, f) => emit("INFO", e, f),
    warn: (e, f) => emit("WARNING", e, f),
    error: (e, f) => emit("ERROR", e, f),
    child: (fields) => build(options, state, { ...base, ...fields }),
    setLevel: (level) => {
      state.level = level;
    },
  };
}

/** A logger that records lines in memory, for tests. */
export function createMemoryLogger(
  level: LogLevel = "DEBUG",
): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger({ level, format: "json", write: (l) => lines.push(l) }),
    { lines },
  );
}
