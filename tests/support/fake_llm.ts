/**
 * A scripted OpenAI-compatible server on 127.0.0.1 for tests.
 *
 * `startFakeLlm(script)` serves `POST /v1/chat/completions` (also `/chat/completions`) and
 * `GET /v1/models`. Each chat request takes the next script step, in arrival order:
 *
 * - `"text"` or `{ content, usage?, finishReason? }`: a 200 `chat.completion` with that content.
 *   Usage defaults to prompt_tokens = 10 per message, completion_tokens = ceil(length / 4);
 *   `usage` overrides any of the three numbers.
 * - `{ status, message?, body?, headers? }`: that HTTP status with an OpenAI-shaped error body
 *   `{ error: { message, type, param, code } }` (or `body` as JSON), with `headers` (e.g.
 *   `retry-after`).
 * - `{ raw, status?, headers? }`: `raw` as the body, verbatim (not JSON-encoded), status 200 and
 *   content type `application/json` unless given: a proxy's HTML page, a truncated answer.
 * - `{ stallMs, then? }`: hold the request `stallMs` ms (`Infinity`: until `close()`), then answer
 *   with `then` (default: a 504 error). A client that gives up does not end the stall; `close()`
 *   does (the stalled request then gets a 503), so no timer outlives the fake.
 * - `(request) => step`: decides from the recorded request (may be async).
 *
 * When the script is exhausted, `options.fallback` answers (default: a 500 error "fake LLM script
 * exhausted"), so an unexpected extra call fails loudly. `push()` appends steps.
 * Streaming (`stream: true`) is not supported: it gets a 400 error.
 * Every request (any path) is recorded in `requests`, with the time it arrived.
 */

export interface ChatMessage {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

export interface ChatRequestBody {
  model?: string;
  messages?: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: { type: string; [key: string]: unknown };
  stream?: boolean;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  /** URL path, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-case header names, e.g. `headers.authorization === "Bearer test-key"`. */
  headers: Record<string, string>;
  /** Parsed JSON body; null when there is none or it is not JSON. */
  body: ChatRequestBody | null;
  /** `performance.now()` when the request arrived (ms), to measure the client's waits. */
  receivedAt: number;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FakeStep =
  | string
  | { content: string; usage?: Partial<FakeUsage>; finishReason?: string }
  | { status: number; message?: string; body?: unknown; headers?: Record<string, string> }
  | { raw: string; status?: number; headers?: Record<string, string> }
  | { stallMs: number; then?: FakeStep }
  | ((request: RecordedRequest) => FakeStep | Promise<FakeStep>);

export interface FakeLlmOptions {
  /** Answer once the script is exhausted (default: 500 "fake LLM script exhausted"). */
  fallback?: FakeStep;
}

export interface FakeLlm extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/v1`: the `baseURL` for the openai client. */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Only the chat completion requests. */
  chatRequests(): RecordedRequest[];
  /** Appends steps to the script. */
  push(...steps: FakeStep[]): void;
  /** Stops the server (cutting stalls short); idempotent. */
  close(): Promise<void>;
}

/** Fixed `created` timestamp, so responses are deterministic. */
const CREATED = 1_700_000_000;
const CHAT_PATHS = new Set(["/v1/chat/completions", "/chat/completions"]);
const MODEL_PATHS = new Set(["/v1/models", "/models"]);

export function startFakeLlm(script: FakeStep[] = [], options: FakeLlmOptions = {}): FakeLlm {
  const steps = [...script];
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let served = 0;

  const handler = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname.replace(/\/+$/, "");
    const receivedAt = performance.now();
    const recorded: RecordedRequest = {
      receivedAt,
      method: req.method,
      path,
      headers: Object.fromEntries(req.headers),
      body: parseJson(await req.text()),
    };
    requests.push(recorded);
    if (req.method === "GET" && MODEL_PATHS.has(path)) return modelsResponse();
    if (req.method !== "POST" || !CHAT_PATHS.has(path)) {
      return errorResponse({ status: 404, message: `fake LLM: no route ${req.method} ${path}` });
    }
    if (recorded.body === null) {
      return errorResponse({ status: 400, message: "fake LLM: body is not JSON" });
    }
    if (recorded.body.stream) {
      return errorResponse({ status: 400, message: "fake LLM: streaming is not supported" });
    }
    const step = steps.shift() ?? options.fallback ??
      { status: 500, message: "fake LLM script exhausted" };
    return answer(step, recorded, ++served, closing.signal);
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      await server.shutdown();
    })();
    return closed;
  };

  return {
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => CHAT_PATHS.has(r.path)),
    push: (...more) => void steps.push(...more),
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function answer(
  step: FakeStep,
  request: RecordedRequest,
  serial: number,
  signal: AbortSignal,
): Promise<Response> {
  if (typeof step === "function") return answer(await step(request), request, serial, signal);
  if (typeof step === "string") return completion({ content: step }, request, serial);
  if ("stallMs" in step) {
    await sleep(step.stallMs, signal);
    if (signal.aborted) return errorResponse({ status: 503, message: "fake LLM: stall aborted" });
    const then = step.then ?? { status: 504, message: "fake LLM: stalled" };
    return answer(then, request, serial, signal);
  }
  if ("raw" in step) {
    return new Response(step.raw, {
      status: step.status ?? 200,
      headers: { "content-type": "application/json", ...step.headers },
    });
  }
  if ("status" in step) return errorResponse(step);
  return completion(step, request, serial);
}

function completion(
  step: { content: string; usage?: Partial<FakeUsage>; finishReason?: string },
  request: RecordedRequest,
  serial: number,
): Response {
  const promptTokens = step.usage?.prompt_tokens ?? 10 * (request.body?.messages?.length ?? 0);
  const completionTokens = step.usage?.completion_tokens ?? Math.ceil(step.content.length / 4);
  return Response.json({
    id: `chatcmpl-fake-${serial}`,
    object: "chat.completion",
    created: CREATED,
    model: request.body?.model ?? "fake-model",
    choices: [{
      index: 0,
      message: { role: "assistant", content: step.content, refusal: null },
      logprobs: null,
      finish_reason: step.finishReason ?? "stop",
    }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: step.usage?.total_tokens ?? promptTokens + completionTokens,
    },
  });
}

function errorResponse(
  step: { status: number; message?: string; body?: unknown; headers?: Record<string, string> },
): Response {
  const [type, code] = step.status === 429
    ? ["requests", "rate_limit_exceeded"]
    : step.status >= 500
    ? ["server_error", null]
    : ["invalid_request_error", null];
  const message = step.message ?? `fake LLM error ${step.status}`;
  const body = step.body ?? { error: { message, type, param: null, code } };
  return Response.json(body, { status: step.status, headers: step.headers });
}

function modelsResponse(): Response {
  return Response.json({
    object: "list",
    data: [{ id: "fake-model", object: "model", created: CREATED, owned_by: "pg-mcp-tests" }],
  });
}

function parseJson(text: string): ChatRequestBody | null {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

/** Resolves after `ms` (never, for a non-finite `ms`) or as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
    signal.addEventListener("abort", done);
  });
}
