import { fail, ok, type Result } from "../errors.ts";
import { extractSql } from "../llm/extract_sql.ts";
import type { ChatMessage, Llm, TokenUsage } from "../llm/llm_client.ts";

/** What bounds one model call: the caller's cancel and the question's deadline (epoch ms). */
export interface CallBounds {
  signal?: AbortSignal;
  deadline?: number;
  /** Overrides the configured temperature (candidates after the first). */
  temperature?: number;
}

/** One reading of an ambiguous question, with the SQL for it. */
export interface Interpretation {
  meaning: string;
  sql: string;
}

export interface GeneratedSql {
  sql: string;
  /** The model found the question ambiguous: these readings give different answers. */
  interpretations?: Interpretation[];
  explanation?: string;
  assumptions: string[];
  /** The model's own confidence, 0-100, when it gave one. */
  confidence?: number;
  usage: TokenUsage;
  /** The model's answer verbatim, for the repair conversation. */
  text: string;
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
      ambiguous: { type: "boolean" },
      interpretations: {
        type: "array",
        items: {
          type: "object",
          properties: { meaning: { type: "string" }, sql: { type: "string" } },
          required: ["meaning", "sql"],
          additionalProperties: false,
        },
      },
    },
    required: [
      "sql",
      "explanation",
      "assumptions",
      "confidence",
      "ambiguous",
      "interpretations",
    ],
    additionalProperties: false,
  },
};

/**
 * One call to the model; the SQL is pulled out of JSON, a code fence or prose. An answer without
 * SQL is LLM_BAD_OUTPUT whose details carry the answer (`answer`, cut) and the tokens (`usage`).
 */
export async function generateSql(
  llm: Llm,
  messages: ChatMessage[],
  call: CallBounds = {},
): Promise<Result<GeneratedSql>> {
  const completion = await llm.complete(messages, { jsonSchema: GENERATION_SCHEMA, ...call });
  if (!completion.ok) return completion;
  const { text, usage } = completion.value;
  const sql = extractSql(text);
  if (!sql) {
    return fail(
      "LLM_BAD_OUTPUT",
      "Cannot find SQL in the language model's answer",
      { reason: "no_sql", answer: text.slice(0, 500), usage, text },
    );
  }
  return ok({ sql, ...parseMeta(text), usage, text });
}

/** The first JSON object in `text`, when there is one. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    const value = JSON.parse(text.slice(start, end + 1));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? value as Record<string, unknown>
      : undefined;
  } catch {
    return undefined;
  }
}

function parseMeta(text: string): Omit<GeneratedSql, "sql" | "usage" | "text"> {
  const v = parseJsonObject(text);
  if (!v) return { assumptions: [] };
  const confidence = toConfidence(v.confidence);
  const interpretations = v.ambiguous === true && Array.isArray(v.interpretations)
    ? v.interpretations.flatMap((i) => {
      const item = i as { meaning?: unknown; sql?: unknown };
      return typeof item?.meaning === "string" && typeof item.sql === "string" && item.sql.trim()
        ? [{ meaning: item.meaning.trim(), sql: item.sql.trim().replace(/;\s*$/, "") }]
        : [];
    })
    : [];
  return {
    ...(interpretations.length >= 2 ? { interpretations } : {}),
    ...(typeof v.explanation === "string" && v.explanation.trim()
      ? { explanation: v.explanation.trim() }
      : {}),
    assumptions: Array.isArray(v.assumptions) ? v.assumptions.map(String) : [],
    ...(confidence !== undefined ? { confidence } : {}),
  };
}

/** A number 0-100 (a 0-1 fraction is scaled), rounded; anything else is undefined. */
export function toConfidence(value: unknown): number | undefined {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) return undefined;
  const scaled = n > 0 && n < 1 ? n * 100 : n;
  return Math.round(Math.max(0, Math.min(100, scaled)));
}
