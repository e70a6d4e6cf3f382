/** JSON-lines logging to stderr: stdout is the MCP channel in stdio mode. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
};
const SECRET_KEY = /pass(word)?|secret|api[_-]?key|token(?!s_used|_count)|authorization/i;
const URL_PASSWORD = /(\w+:\/\/[^:\s/@]*:)[^@\s]*@/g;

export interface LoggerOptions {
  level: LogLevel;
  format: "json" | "text";
  write?: (line: string) => void;
  now?: () => Date;
}

/** Drops secret-looking keys and passwords embedded in URLs, at any depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(URL_PASSWORD, "$1***@");
  if (value instanceof Error) {
    return redact({ name: value.name, message: value.message }, depth);
  }
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [k, SECRET_KEY.test(k) ? "***" : redact(v, depth + 1)]),
  );
}

export function createLogger(
  options: LoggerOptions,
  base: LogFields = {},
): Logger {
  const encoder = new TextEncoder();
  const write = options.write ??
    ((line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n")));
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    const record = redact({ ...base, ...fields }) as LogFields;
    const ts = now().toISOString();
    write(
      options.format === "json"
        ? JSON.stringify({ ts, level, event, ...record })
        : `${ts} ${level} ${event} ${JSON.stringify(record)}`,
    );
  };
  return {
    debug: (e, f) => emit("DEBUG", e, f),
    info: (e, f) => emit("INFO", e, f),
    warn: (e, f) => emit("WARNING", e, f),
    error: (e, f) => emit("ERROR", e, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that records lines in memory, for tests. */
export function createMemoryLogger(
  level: LogLevel = "DEBUG",
): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger({ level, format: "json", write: (l) => lines.push(l) }),
    {
      lines,
    },
  );
}
