import type { AppError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CircuitBreaker } from "../resilience/circuit_breaker.ts";
import { type RetryOptions, withRetry } from "../resilience/retry.ts";
import type { Llm } from "./llm_client.ts";

/** Statuses that say "try again" (timeouts, conflicts, rate limits) besides 5xx. */
const TRANSIENT = new Set([408, 409, 429]);

/**
 * A connection failure, 408, 409, 429 or a 5xx is worth another try; any other 4xx (a bad
 * request, a refused key) would fail the same way again, and a 200 whose body cannot be read is
 * a bad answer (LLM_BAD_OUTPUT), not an outage.
 */
export function isRetryableLlmError(error: AppError): boolean {
  if (error.code !== "LLM_UNAVAILABLE") return false;
  const status = error.details.status;
  return typeof status !== "number" || TRANSIENT.has(status) || status >= 500;
}

/** Down, not wrong: what opens the breaker (never a 4xx but 408, 409 and 429). */
export function isLlmOutage(error: AppError): boolean {
  return error.code === "LLM_TIMEOUT" || isRetryableLlmError(error);
}

/** The wait a 429 or 503 asked for (Retry-After), in ms. */
function requestedDelay(error: AppError): number | undefined {
  const ms = error.details.retry_after_ms;
  return typeof ms === "number" && ms >= 0 ? ms : undefined;
}

/**
 * The model behind retries (RESILIENCE_RETRY_DELAY × RESILIENCE_BACKOFF_FACTOR^n, at most
 * RESILIENCE_MAX_RETRIES) and a circuit breaker, so an outage answers CIRCUIT_OPEN at once.
 */
export function withResilience(
  llm: Llm,
  breaker: CircuitBreaker,
  retry: Omit<RetryOptions, "retryable" | "signal" | "onRetry" | "requestedDelayMs" | "deadline">,
  log: Logger,
): Llm {
  return {
    model: llm.model,
    complete: (messages, options = {}) =>
      breaker.run(() =>
        withRetry(() => llm.complete(messages, options), {
          ...retry,
          retryable: isRetryableLlmError,
          requestedDelayMs: requestedDelay,
          deadline: options.deadline,
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
