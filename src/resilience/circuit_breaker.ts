import { AppError, type Result } from "../errors.ts";

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  name: string;
  /** Consecutive failures that open the circuit. */
  threshold: number;
  /** How long it stays open before one trial call (ms). */
  openMs: number;
  now: () => number;
  /** Which failures count: only those that say the dependency is down. */
  counts: (error: AppError) => boolean;
}

/**
 * Stops calling a dependency that keeps failing, so callers get CIRCUIT_OPEN at once instead of
 * waiting for timeouts; after `openMs` one trial call decides whether it closes again.
 */
export class CircuitBreaker {
  #failures = 0;
  #openedAt = 0;
  #state: BreakerState = "closed";
  #trialInFlight = false;

  constructor(private readonly options: BreakerOptions) {}

  get state(): BreakerState {
    if (this.#state === "open" && this.options.now() - this.#openedAt >= this.options.openMs) {
      this.#state = "half_open";
    }
    return this.#state;
  }

  async run<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
    const state = this.state;
    if (state === "open" || (state === "half_open" && this.#trialInFlight)) {
      const retryInS = Math.max(
        0,
        Math.ceil((this.#openedAt + this.options.openMs - this.options.now()) / 1000),
      );
      return {
        ok: false,
        error: new AppError(
          "CIRCUIT_OPEN",
          `Cannot call ${this.options.name}: it failed ${this.options.threshold} times in a row; ` +
            `retrying in ${retryInS}s`,
          { dependency: this.options.name, retry_in_s: retryInS },
        ),
      };
    }
    if (state === "half_open") this.#trialInFlight = true;
    try {
      const result = await call();
      if (result.ok || !this.options.counts(result.error)) this.#succeeded();
      else this.#failed();
      return result;
    } finally {
      this.#trialInFlight = false;
    }
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#state = "closed";
  }

  #failed(): void {
    this.#failures++;
    if (this.#state === "half_open" || this.#failures >= this.options.threshold) {
      this.#state = "open";
      this.#openedAt = this.options.now();
    }
  }
}
