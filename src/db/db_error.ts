import { AppError } from "../errors.ts";
import { loadedDriver, type PostgresModule } from "./driver.ts";

/** Driver codes of a connection that failed or went away (not a statement's own error). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * The connection failed or the server ended the session (57P01 admin shutdown or a terminated
 * backend, 57P02 crash, 57P03 cannot connect now, class 08): the session must not be reused.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "string") return false;
  if (CONNECTION_CODES.has(code)) return true;
  return isPostgresError(error) && (code.startsWith("08") || code.startsWith("57P"));
}

/** postgres.js's own error class: an error from the server (none before the driver is loaded). */
function isPostgresError(error: unknown): error is InstanceType<PostgresModule["PostgresError"]> {
  const driver = loadedDriver();
  return driver !== undefined && error instanceof driver.PostgresError;
}

/** Maps a driver failure to a coded error that keeps PostgreSQL's message, hint and position. */
export function toDbError(error: unknown, cancelledByCaller = false): AppError {
  if (error instanceof AppError) return error;
  if (isPostgresError(error)) {
    const details = {
      sqlstate: error.code,
      message: error.message,
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.position ? { position: Number(error.position) } : {}),
    };
    if (error.code === "57014") {
      return cancelledByCaller
        ? new AppError("DB_CANCELLED", "Cannot finish the query: the caller cancelled it", details)
        : new AppError("DB_TIMEOUT", `Cannot finish the query: ${error.message}`, details);
    }
    if (error.code === "55P03") {
      return new AppError("DB_TIMEOUT", `Cannot finish the query: ${error.message}`, details);
    }
    if (error.code === "25006") {
      return new AppError(
        "SECURITY_VIOLATION",
        `Cannot run the statement: ${error.message}`,
        { ...details, reason: "read_only_transaction" },
      );
    }
    if (
      error.code.startsWith("08") || error.code.startsWith("57P") || error.code === "53300" ||
      error.code.startsWith("28") || error.code === "3D000"
    ) {
      return new AppError("DB_UNAVAILABLE", `Cannot reach the database: ${error.message}`, details);
    }
    return new AppError("DB_FAILED", `Cannot run the query: ${error.message}`, details);
  }
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (cancelledByCaller && typeof code === "string" && CONNECTION_CODES.has(code)) {
    return new AppError("DB_CANCELLED", "Cannot finish the query: the caller cancelled it");
  }
  if (typeof code === "string" && CONNECTION_CODES.has(code)) {
    return new AppError("DB_UNAVAILABLE", `Cannot reach the database: ${message}`, { code });
  }
  return new AppError("DB_FAILED", `Cannot run the query: ${message}`);
}
