import { fail } from "../../errors.ts";
import type { KeyedBuckets } from "../../resilience/rate_limiter.ts";
import type { Middleware } from "../tool.ts";

/**
 * RATE_LIMIT_REQUESTS_PER_MINUTE per client (HTTP: per token, else per remote address; stdio:
 * the process). Over it: RATE_LIMITED with `retry_after_seconds`; the server goes on serving.
 */
export function withRateLimit(limits: KeyedBuckets, onLimited: () => void): Middleware {
  return (_tool, next) => (args, call) => {
    const waitMs = limits.take(call.identity);
    if (waitMs === 0) return next(args, call);
    onLimited();
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return Promise.resolve(fail(
      "RATE_LIMITED",
      `Cannot serve the call: this client is over RATE_LIMIT_REQUESTS_PER_MINUTE; retry in ${seconds} s`,
      { limit: "requests_per_minute", retry_after_seconds: seconds },
    ));
  };
}
