/**
 * What the use cases report as they work, for metrics: a port the composition root fills
 * (src/observability/metrics.ts); tests and tools that do not count pass `NO_OBSERVER`.
 */
export interface PipelineObserver {
  /** One model call that wrote SQL: its stage, how long it took, the tokens it used. */
  generated(stage: "generate" | "repair", seconds: number, tokens: number): void;
  /** Tokens of any other model call (the result check). */
  tokensUsed(stage: "check", tokens: number): void;
  /** A statement the validator refused (the refusal's reason; parse_error for a syntax error). */
  refused(reason: string): void;
  /** A database failure by its code (DB_FAILED, DB_TIMEOUT, DB_UNAVAILABLE, ...). */
  databaseError(code: string): void;
}

export const NO_OBSERVER: PipelineObserver = {
  generated: () => undefined,
  tokensUsed: () => undefined,
  refused: () => undefined,
  databaseError: () => undefined,
};

/** Reports a failed validation or execution to the observer by its code. */
export function observeFailure(
  observer: PipelineObserver,
  error: { code: string; details: Record<string, unknown> },
): void {
  if (error.code === "SECURITY_VIOLATION" || error.code === "SQL_PARSE_FAILED") {
    const reason = error.code === "SQL_PARSE_FAILED" ? "parse_error" : error.details.reason;
    observer.refused(typeof reason === "string" ? reason : "unknown");
  } else if (error.code.startsWith("DB_") || error.code === "QUERY_TOO_EXPENSIVE") {
    observer.databaseError(error.code);
  }
}
