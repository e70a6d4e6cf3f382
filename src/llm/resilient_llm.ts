import type { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CircuitBreaker } from "../resilience/circuit_breaker.ts";
import { type RetryOptions, withRetry } from "../resilience/retry.ts";
import type { Llm } from "./llm_client.ts";

/** Rate limits, 5xx answers and refused connections are worth another try; the rest are not. */
export function isRetryableLlmError(error: AppError): boolean {
  if (error.code !== "LLM_UNAVAILABLE") return false;
  const status = error.details.status;
  return typeof status !== "number" || status === 408 || status === 429 || status >= 500;
}

/** Down, not wrong: what opens the breaker. */
export function isLlmOutage(error: AppError): boolean {
  return error.code === "LLM_UNAVAILABLE" || error.code === "LLM_TIMEOUT";
}

/**
 * The model behind retries (RESILIENCE_RETRY_DELAY × RESILIENCE_BACKOFF_FACTOR^n, at most
 * RESILIENCE_MAX_RETRIES) and a circuit breaker, so an outage answers CIRCUIT_OPEN at once.
 */
export function withResilience(
  llm: Llm,
  breaker: CircuitBreaker,
  retry: Omit<RetryOptions, "retryable" | "signal" | "onRetry">,
  log: Logger,
): Llm {
  return {
    model: llm.model,
    complete: (messages, options = {}) =>
      breaker.run(() =>
        withRetry(() => llm.complete(messages, options), {
          ...retry,
          retryable: isRetryableLlmError,
          signal: options.signal,
          onRetry: (attempt, error, delayMs) =>
            log.warn("llm.retry", {
              attempt,
              code: error.code,
              status: error.details.status,
              delayMs,
            }),
        })
      ),
  };
}
