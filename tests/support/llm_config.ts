import type { LlmConfig } from "../../src/config/config.ts";
import { createLlmClient, type Llm } from "../../src/llm/llm_client.ts";
import { createMemoryLogger } from "../../src/log.ts";

/** An LLM configuration aimed at a fake server; overrides win. */
export function testLlmConfig(baseUrl: string, overrides: Partial<LlmConfig> = {}): LlmConfig {
  return {
    apiKey: "test-key",
    model: "fake-model",
    baseUrl,
    maxTokens: 1000,
    temperature: 0,
    timeoutS: 2,
    maxAttempts: 3,
    validateResults: true,
    sampleRows: 10,
    questionTimeoutS: 120,
    candidates: 1,
    ...overrides,
  };
}

/** The real openai-backed client aimed at a fake server, without retries. */
export function testLlm(baseUrl: string, overrides: Partial<LlmConfig> = {}): Llm {
  const llm = createLlmClient(testLlmConfig(baseUrl, overrides), createMemoryLogger(), {
    maxRetries: 0,
  });
  if (!llm.ok) throw llm.error;
  return llm.value;
}
