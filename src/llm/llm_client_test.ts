import assert from "node:assert/strict";
import { startFakeLlm } from "../../tests/support/fake_llm.ts";
import type { LlmConfig } from "../config/config.ts";
import { createMemoryLogger } from "../log.ts";
import { createLlmClient, importOpenAI, retryAfter, toLlmError } from "./llm_client.ts";
import { testLlmConfig } from "../../tests/support/llm_config.ts";

function config(url: string, timeoutS = 2): LlmConfig {
  return testLlmConfig(url, { timeoutS });
}

const messages = [{ role: "user" as const, content: "hi" }];
const schema = { name: "x", schema: { type: "object" } };

Deno.test("createLlmClient() without a key is LLM_NOT_CONFIGURED", () => {
  const llm = createLlmClient(
    { ...config("http://127.0.0.1:1/v1"), apiKey: undefined },
    createMemoryLogger(),
  );
  assert.equal(llm.ok, false);
  assert.equal(!llm.ok && llm.error.code, "LLM_NOT_CONFIGURED");
});

Deno.test("Llm.complete() returns the text and the token usage", async () => {
  await using fake = startFakeLlm([{
    content: "SELECT 1",
    usage: { prompt_tokens: 7, completion_tokens: 3 },
  }]);
  const llm = createLlmClient(config(fake.url), createMemoryLogger(), { maxRetries: 0 });
  assert.ok(llm.ok);
  const r = await llm.value.complete(messages);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    text: "SELECT 1",
    usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
  });
  assert.equal(fake.chatRequests()[0].headers.authorization, "Bearer test-key");
});

Deno.test("Llm.complete() maps 429 and 5xx to LLM_UNAVAILABLE with the status", async () => {
  await using fake = startFakeLlm([{ status: 429 }, { status: 502 }]);
  const llm = createLlmClient(config(fake.url), createMemoryLogger(), { maxRetries: 0 });
  assert.ok(llm.ok);
  const a = await llm.value.complete(messages);
  const b = await llm.value.complete(messages);
  assert.ok(!a.ok && !b.ok);
  assert.deepEqual([a.error.code, a.error.details.status], ["LLM_UNAVAILABLE", 429]);
  assert.deepEqual([b.error.code, b.error.details.status], ["LLM_UNAVAILABLE", 502]);
  assert.doesNotMatch(a.error.message, /test-key/);
});

Deno.test("Llm.complete() gives up on a stall after OPENAI_TIMEOUT with LLM_TIMEOUT", async () => {
  await using fake = startFakeLlm([{ stallMs: Infinity }]);
  const llm = createLlmClient(config(fake.url, 0.2), createMemoryLogger(), { maxRetries: 0 });
  assert.ok(llm.ok);
  const r = await llm.value.complete(messages);
  assert.equal(!r.ok && r.error.code, "LLM_TIMEOUT");
});

Deno.test("Llm.complete() retries a 500 as often as RESILIENCE_MAX_RETRIES says", async () => {
  await using fake = startFakeLlm([{ status: 500 }, "SELECT 2"]);
  const llm = createLlmClient(config(fake.url), createMemoryLogger(), { maxRetries: 1 });
  assert.ok(llm.ok);
  const r = await llm.value.complete(messages);
  assert.equal(r.ok && r.value.text, "SELECT 2");
  assert.equal(fake.chatRequests().length, 2);
});

Deno.test("Llm.complete() asks for structured output and drops it once when the server refuses it", async () => {
  await using fake = startFakeLlm([
    { status: 400, message: "response_format json_schema is not supported" },
    "SELECT 3",
    "SELECT 4",
  ]);
  const llm = createLlmClient(config(fake.url), createMemoryLogger(), { maxRetries: 0 });
  assert.ok(llm.ok);
  const r = await llm.value.complete(messages, { jsonSchema: schema });
  assert.equal(r.ok && r.value.text, "SELECT 3");
  await llm.value.complete(messages, { jsonSchema: schema });
  const formats = fake.chatRequests().map((q) => q.body?.response_format?.type);
  assert.deepEqual(formats, ["json_schema", undefined, undefined]);
});

Deno.test("retryAfter() reads delta-seconds and HTTP dates; toLlmError() keeps it and reads a bad body as LLM_BAD_OUTPUT", () => {
  const now = () => Date.parse("2026-12-01T12:00:00Z");
  assert.equal(retryAfter("10", now), 10_000);
  assert.equal(retryAfter("Tue, 01 Dec 2026 12:00:30 GMT", now), 30_000);
  assert.equal(retryAfter("Tue, 01 Dec 2026 11:00:00 GMT", now), 0);
  assert.equal(retryAfter("soon", now), undefined);
  assert.equal(retryAfter(null, now), undefined);
  const bad = toLlmError(new SyntaxError("Unexpected token < in JSON"), undefined);
  assert.equal(bad.code, "LLM_BAD_OUTPUT");
  assert.equal(bad.details.reason, "unreadable_response");
});

Deno.test("createLlmClient() imports openai on the first complete(), once, and maps its errors", async () => {
  await using fake = startFakeLlm([{ status: 429 }, "SELECT 5"]);
  let imports = 0;
  const load = () => {
    imports++;
    return importOpenAI();
  };
  const llm = createLlmClient(config(fake.url), createMemoryLogger(), { maxRetries: 0, load });
  assert.ok(llm.ok);
  assert.equal(imports, 0, "nothing imported at creation");
  const limited = await llm.value.complete(messages);
  assert.deepEqual(
    !limited.ok && [limited.error.code, limited.error.details.status],
    ["LLM_UNAVAILABLE", 429],
    "the 429 is mapped with the module's own error classes",
  );
  const r = await llm.value.complete(messages);
  assert.equal(r.ok && r.value.text, "SELECT 5");
  assert.equal(imports, 1);
});

Deno.test("Llm.complete() reports an openai module that cannot load as LLM_UNAVAILABLE, and tries again", async () => {
  await using fake = startFakeLlm(["SELECT 6"]);
  let imports = 0;
  const load = () => ++imports === 1 ? Promise.reject(new Error("no module")) : importOpenAI();
  const llm = createLlmClient(config(fake.url), createMemoryLogger(), { maxRetries: 0, load });
  assert.ok(llm.ok);
  const failed = await llm.value.complete(messages);
  assert.equal(!failed.ok && failed.error.code, "LLM_UNAVAILABLE");
  const r = await llm.value.complete(messages);
  assert.equal(r.ok && r.value.text, "SELECT 6");
});

Deno.test("toLlmError() maps the loaded module's error classes", async () => {
  const sdk = await importOpenAI();
  assert.equal(toLlmError(new sdk.APIConnectionTimeoutError(), sdk).code, "LLM_TIMEOUT");
  assert.equal(toLlmError(new sdk.APIUserAbortError(), sdk).code, "LLM_TIMEOUT");
  const refused = toLlmError(
    sdk.APIError.generate(401, undefined, "bad key", new Headers()),
    sdk,
  );
  assert.deepEqual([refused.code, refused.details.status], ["LLM_UNAVAILABLE", 401]);
  assert.match(refused.message, /the API key was refused \(401\)/);
});
