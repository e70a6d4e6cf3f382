import type { AppError, Result } from "../errors.ts";

export interface RetryOptions {
  maxRetries: number;
  /** Delay before the first retry (ms), multiplied by `factor` for each further one. */
  delayMs: number;
  factor: number;
  retryable: (error: AppError) => boolean;
  /** The wait the failure itself asks for (Retry-After), in ms; it replaces the back-off. */
  requestedDelayMs?: (error: AppError) => number | undefined;
  /** Epoch ms after which no retry starts (a question's deadline); a wait past it is not made. */
  deadline?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onRetry?: (attempt: number, error: AppError, delayMs: number) => void;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Calls again after a growing delay (or the delay the failure asks for) while the failure is
 * retryable; stops when aborted, or when the wait would pass the deadline.
 */
export async function withRetry<T>(
  call: () => Promise<Result<T>>,
  options: RetryOptions,
): Promise<Result<T>> {
  const wait = options.sleep ?? sleep;
  const now = options.now ?? Date.now;
  let delay = options.delayMs;
  for (let attempt = 0;; attempt++) {
    const result = await call();
    if (
      result.ok || attempt >= options.maxRetries || !options.retryable(result.error) ||
      options.signal?.aborted
    ) {
      return result;
    }
    const requested = options.requestedDelayMs?.(result.error);
    const pause = requested ?? delay;
    if (options.deadline !== undefined && now() + pause >= options.deadline) return result;
    options.onRetry?.(attempt + 1, result.error, pause);
    await wait(pause, options.signal);
    if (options.signal?.aborted) return result;
    delay *= options.factor;
  }
}
