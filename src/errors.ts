/** Public error codes: add, never rename. `details.reason` refines SECURITY_VIOLATION. */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "INVALID_INPUT"
  | "NOT_FOUND"
  | "RATE_LIMITED"
  | "CIRCUIT_OPEN"
  | "LLM_NOT_CONFIGURED"
  | "LLM_UNAVAILABLE"
  | "LLM_TIMEOUT"
  | "LLM_BAD_OUTPUT"
  | "SQL_PARSE_FAILED"
  | "SECURITY_VIOLATION"
  | "DB_TIMEOUT"
  | "DB_CANCELLED"
  | "DB_UNAVAILABLE"
  | "DB_FAILED"
  | "DB_POOL_TIMEOUT"
  | "QUERY_TOO_EXPENSIVE"
  | "QUESTION_TIMEOUT"
  | "RESULT_REJECTED"
  | "INTERNAL";

export type ErrorDetails = Record<string, unknown>;

/** An expected failure with a stable code; its message never carries secrets. */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(
  code: ErrorCode,
  message: string,
  details: ErrorDetails = {},
): Result<T> {
  return { ok: false, error: new AppError(code, message, details) };
}

/** Expected failures pass through; anything else is a bug reported as INTERNAL. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError("INTERNAL", `Cannot complete the request: ${message}`);
}
