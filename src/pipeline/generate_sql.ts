import { fail, ok, type Result } from "../errors.ts";
import { extractSql } from "../llm/extract_sql.ts";
import type { ChatMessage, Llm, TokenUsage } from "../llm/llm_client.ts";

export interface GeneratedSql {
  sql: string;
  explanation?: string;
  assumptions: string[];
  /** The model's own confidence, 0-100, when it gave one. */
  confidence?: number;
  usage: TokenUsage;
}

export const GENERATION_SCHEMA = {
  name: "sql_answer",
  schema: {
    type: "object",
    properties: {
      sql: { type: "string" },
      explanation: { type: "string" },
      assumptions: { type: "array", items: { type: "string" } },
      confidence: { type: "number", minimum: 0, maximum: 100 },
    },
    required: ["sql", "explanation", "assumptions", "confidence"],
    additionalProperties: false,
  },
};

/** One call to the model; the SQL is pulled out of JSON, a code fence or prose. */
export async function generateSql(
  llm: Llm,
  messages: ChatMessage[],
  signal?: AbortSignal,
): Promise<Result<GeneratedSql>> {
  const completion = await llm.complete(messages, {
    jsonSchema: GENERATION_SCHEMA,
    signal,
  });
  if (!completion.ok) return completion;
  const { text, usage } = completion.value;
  const sql = extractSql(text);
  if (!sql) {
    return fail(
      "LLM_BAD_OUTPUT",
      "Cannot find SQL in the language model's answer",
      {
        answer: text.slice(0, 500),
        usage,
      },
    );
  }
  const meta = parseMeta(text);
  return ok({ sql, ...meta, usage });
}

function parseMeta(text: string): Omit<GeneratedSql, "sql" | "usage"> {
  try {
    const start = text.indexOf("{");
    const v = JSON.parse(
      text.slice(start, text.lastIndexOf("}") + 1),
    ) as Record<string, unknown>;
    const confidence = typeof v.confidence === "number"
      ? Math.max(0, Math.min(100, v.confidence))
      : undefined;
    return {
      ...(typeof v.explanation === "string" ? { explanation: v.explanation } : {}),
      assumptions: Array.isArray(v.assumptions) ? v.assumptions.map(String) : [],
      ...(confidence !== undefined ? { confidence } : {}),
    };
  } catch {
    return { assumptions: [] };
  }
}
