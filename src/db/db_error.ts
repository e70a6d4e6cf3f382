import { AppError } from "../errors.ts";
import { PostgresError } from "./pool.ts";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "EHOSTUNREACH",
]);

/** Maps a driver failure to a coded error that keeps PostgreSQL's message, hint and position. */
export function toDbError(error: unknown, cancelledByCaller = false): AppError {
  if (error instanceof PostgresError) {
    const details = {
      sqlstate: error.code,
      message: error.message,
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.position ? { position: Number(error.position) } : {}),
    };
    if (error.code === "57014") {
      return cancelledByCaller
        ? new AppError(
          "DB_CANCELLED",
          "Cannot finish the query: the caller cancelled it",
          details,
        )
        : new AppError(
          "DB_TIMEOUT",
          `Cannot finish the query: ${error.message}`,
          details,
        );
    }
    if (error.code === "55P03") {
      return new AppError(
        "DB_TIMEOUT",
        `Cannot finish the query: ${error.message}`,
        details,
      );
    }
    if (error.code === "25006") {
      return new AppError(
        "SECURITY_VIOLATION",
        `Cannot run the statement: ${error.message}`,
        { ...details, reason: "read_only_transaction" },
      );
    }
    if (
      error.code.startsWith("08") || error.code.startsWith("57P") ||
      error.code === "53300"
    ) {
      return new AppError(
        "DB_UNAVAILABLE",
        `Cannot reach the database: ${error.message}`,
        details,
      );
    }
    return new AppError(
      "DB_FAILED",
      `Cannot run the query: ${error.message}`,
      details,
    );
  }
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && CONNECTION_CODES.has(code)) {
    return new AppError(
      "DB_UNAVAILABLE",
      `Cannot reach the database: ${message}`,
      { code },
    );
  }
  return new AppError("DB_FAILED", `Cannot run the query: ${message}`);
}
