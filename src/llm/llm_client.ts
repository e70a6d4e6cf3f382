import type OpenAI from "openai";
import type { LlmConfig } from "../config/config.ts";
import { AppError, fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface Completion {
  text: string;
  usage: TokenUsage;
}

export interface CompleteOptions {
  /** A JSON schema the answer must follow, where the endpoint supports structured output. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  signal?: AbortSignal;
  /** Epoch ms the question must be answered by: no retry waits past it. */
  deadline?: number;
  /** Overrides OPENAI_TEMPERATURE for this call (more varied candidates). */
  temperature?: number;
}

/** An OpenAI-compatible chat model. */
export interface Llm {
  readonly model: string;
  complete(
    messages: ChatMessage[],
    options?: CompleteOptions,
  ): Promise<Result<Completion>>;
}

export const ZERO_USAGE: TokenUsage = {
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
};

/** The `openai` module's client class, whose statics are its error classes. */
export type OpenAISdk = typeof OpenAI;

/** Imports `openai` (~45 ms at a cold start): done on the first model call, not at start. */
export async function importOpenAI(): Promise<OpenAISdk> {
  return (await import("openai")).default;
}

export interface LlmClientOptions {
  maxRetries?: number;
  fetch?: typeof fetch;
  /** How the `openai` module is imported (tests count the imports). */
  load?: () => Promise<OpenAISdk>;
}

/**
 * The real `openai` client, aimed at OpenAI or any server with the same API. Returns at once:
 * the module is imported, and the client built, on the first `complete()`.
 */
export function createLlmClient(
  cfg: LlmConfig,
  log: Logger,
  options: LlmClientOptions = {},
): Result<Llm> {
  if (!cfg.apiKey) {
    return fail(
      "LLM_NOT_CONFIGURED",
      "Cannot generate SQL: OPENAI_API_KEY is not set (execute_sql and the schema tools still work)",
    );
  }
  const apiKey = cfg.apiKey;
  const load = options.load ?? importOpenAI;
  let opened: Promise<{ sdk: OpenAISdk; client: OpenAI }> | undefined;
  const open = () => {
    opened ??= load().then((sdk) => ({
      sdk,
      client: new sdk({
        apiKey,
        baseURL: cfg.baseUrl,
        timeout: Math.round(cfg.timeoutS * 1000),
        maxRetries: options.maxRetries ?? 2,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    }), (error) => {
      opened = undefined; // the next call tries again
      throw error;
    });
    return opened;
  };
  let sendTemperature = true;
  let structuredOutput = true;

  async function call(
    client: OpenAI,
    messages: ChatMessage[],
    opts: CompleteOptions,
  ): Promise<Completion> {
    const useSchema = opts.jsonSchema && structuredOutput;
    const response = await client.chat.completions.create({
      model: cfg.model,
      messages,
      max_completion_tokens: cfg.maxTokens,
      ...(sendTemperature ? { temperature: opts.temperature ?? cfg.temperature } : {}),
      ...(useSchema
        ? {
          response_format: {
            type: "json_schema" as const,
            json_schema: {
              name: opts.jsonSchema!.name,
              schema: opts.jsonSchema!.schema,
            },
          },
        }
        : {}),
    }, { signal: opts.signal });
    if (response === null || typeof response !== "object" || !Array.isArray(response.choices)) {
      throw new SyntaxError("the response is not a chat completion");
    }
    const text = response.choices[0]?.message?.content ?? "";
    const u = response.usage;
    return {
      text,
      usage: {
        promptTokens: u?.prompt_tokens ?? 0,
        completionTokens: u?.completion_tokens ?? 0,
        totalTokens: u?.total_tokens ??
          (u?.prompt_tokens ?? 0) + (u?.completion_tokens ?? 0),
      },
    };
  }

  return ok({
    model: cfg.model,
    async complete(messages, opts = {}) {
      let sdk: OpenAISdk | undefined;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const { sdk: loaded, client } = await open();
          sdk = loaded;
          return ok(await call(client, messages, opts));
        } catch (error) {
          // Some models refuse a temperature, some servers structured output: drop it, once.
          if (sdk && error instanceof sdk.BadRequestError) {
            const message = String(error.message).toLowerCase();
            if (sendTemperature && message.includes("temperature")) {
              sendTemperature = false;
              log.warn("llm.temperature_unsupported", { model: cfg.model });
              continue;
            }
            if (
              structuredOutput && opts.jsonSchema &&
              /response_format|json_schema/.test(message)
            ) {
              structuredOutput = false;
              log.warn("llm.structured_output_unsupported", {
                model: cfg.model,
              });
              continue;
            }
          }
          const appError = toLlmError(error, sdk);
          log.warn("llm.failed", {
            code: appError.code,
            message: appError.message,
          });
          return { ok: false, error: appError };
        }
      }
      return fail(
        "LLM_UNAVAILABLE",
        "Cannot reach the language model: it refused every request",
      );
    },
  });
}

/**
 * Maps the client's errors to stable codes; never echoes the API key. `sdk` is the loaded
 * `openai` module (its error classes); undefined when it is not loaded, and then no error can be
 * one of its classes.
 */
export function toLlmError(
  error: unknown,
  sdk: OpenAISdk | undefined,
  now: () => number = Date.now,
): AppError {
  if (sdk) {
    const mapped = fromSdkError(error, sdk, now);
    if (mapped) return mapped;
  }
  if (error instanceof SyntaxError) {
    // A 200 whose body is not the JSON the API promises: a bad answer, not an outage.
    return new AppError(
      "LLM_BAD_OUTPUT",
      "Cannot use the language model's answer: its response could not be read",
      { reason: "unreadable_response" },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(
    "LLM_UNAVAILABLE",
    `Cannot use the language model: ${message}`,
  );
}

function fromSdkError(
  error: unknown,
  OpenAI: OpenAISdk,
  now: () => number,
): AppError | undefined {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new AppError(
      "LLM_TIMEOUT",
      "Cannot generate SQL: the language model did not answer in time",
    );
  }
  if (error instanceof OpenAI.APIUserAbortError) {
    return new AppError(
      "LLM_TIMEOUT",
      "Cannot generate SQL: the request was cancelled",
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new AppError(
      "LLM_UNAVAILABLE",
      "Cannot reach the language model: connection failed",
    );
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const reason = status === 429
      ? "rate limited (429)"
      : status === 401 || status === 403
      ? `the API key was refused (${status})`
      : `it answered ${status ?? "an error"}`;
    const retryAfterMs = retryAfter(error.headers?.get("retry-after") ?? null, now);
    return new AppError(
      "LLM_UNAVAILABLE",
      `Cannot use the language model: ${reason}`,
      { status, ...(retryAfterMs !== undefined ? { retry_after_ms: retryAfterMs } : {}) },
    );
  }
  return undefined;
}

/** Retry-After as ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined otherwise. */
export function retryAfter(value: string | null, now: () => number = Date.now): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}
