/**
 * Token buckets: `perMinute` units refill evenly over a minute, up to `perMinute` (a full
 * minute's burst). A limit of 0 turns the bucket off.
 */
export class TokenBucket {
  #level: number;
  #at: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    this.#level = perMinute;
    this.#at = now();
  }

  /** The units available now (negative after a charge larger than what was left). */
  get level(): number {
    this.#refill();
    return this.#level;
  }

  /**
   * Takes `n` units when the bucket holds at least `n` (or, with `allowDebt`, when it is not
   * empty: the charge may take it below zero). Returns 0, or the ms until the take would succeed.
   */
  take(n = 1, allowDebt = false): number {
    if (this.perMinute <= 0) return 0;
    this.#refill();
    const needed = allowDebt ? Math.min(n, Number.MIN_VALUE) : n;
    if (this.#level >= needed) {
      this.#level -= n;
      return 0;
    }
    return Math.ceil((needed - this.#level) / this.perMinute * 60_000);
  }

  /** Charges units after the fact (tokens a model call used). */
  charge(n: number): void {
    if (this.perMinute <= 0) return;
    this.#refill();
    this.#level -= n;
  }

  #refill(): void {
    const t = this.now();
    this.#level = Math.min(this.perMinute, this.#level + (t - this.#at) * this.perMinute / 60_000);
    this.#at = t;
  }
}

/** One bucket per key (a client), at most `maxKeys` kept: the least recently used goes. */
export class KeyedBuckets {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    private readonly maxKeys = 10_000,
  ) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** 0 when `key` may go on, else the ms to wait. */
  take(key: string): number {
    if (this.perMinute <= 0) return 0;
    let bucket = this.#buckets.get(key);
    if (bucket) this.#buckets.delete(key);
    bucket ??= new TokenBucket(this.perMinute, this.now);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.maxKeys) {
      this.#buckets.delete(this.#buckets.keys().next().value as string);
    }
    return bucket.take(1);
  }
}
