import { fail } from "../errors.ts";
import type { TokenBucket } from "../resilience/rate_limiter.ts";
import type { Llm } from "./llm_client.ts";

export interface LlmLimits {
  /** RATE_LIMIT_LLM_REQUESTS_PER_MINUTE, shared by every model call of the process. */
  requests: TokenBucket;
  /** RATE_LIMIT_LLM_TOKENS_PER_MINUTE: charged with each call's usage, after it. */
  tokens: TokenBucket;
  onLimited: (limit: "llm_requests" | "llm_tokens") => void;
}

/** The model behind the process's quota: over it, RATE_LIMITED at once, nothing sent. */
export function withLlmLimits(llm: Llm, limits: LlmLimits): Llm {
  return {
    model: llm.model,
    async complete(messages, options) {
      const tokenWait = limits.tokens.take(0, true);
      const requestWait = tokenWait === 0 ? limits.requests.take(1) : 0;
      const waitMs = tokenWait || requestWait;
      if (waitMs > 0) {
        const limit = tokenWait > 0 ? "llm_tokens" : "llm_requests";
        limits.onLimited(limit);
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        return fail(
          "RATE_LIMITED",
          `Cannot call the language model: over RATE_LIMIT_${limit.toUpperCase()}_PER_MINUTE; ` +
            `retry in ${seconds} s`,
          { limit: `${limit}_per_minute`, retry_after_seconds: seconds },
        );
      }
      const result = await llm.complete(messages, options);
      if (result.ok) limits.tokens.charge(result.value.usage.totalTokens);
      else {
        const used = (result.error.details.usage as { totalTokens?: number } | undefined)
          ?.totalTokens;
        if (used) limits.tokens.charge(used);
      }
      return result;
    },
  };
}
