import type { ChatMessage } from "./llm_client.ts";

export const SQL_SYSTEM_PROMPT = [
  "You write PostgreSQL queries that answer questions about a database.",
  "Rules:",
  "- Write exactly one read-only statement: SELECT or WITH ... SELECT. Never modify data.",
  "- Use only the tables and columns in the schema below; qualify tables with their schema.",
  '- Quote identifiers that need it ("Order", mixedCase names) exactly as the schema shows them.',
  "- Use the comments and enum values in the schema to map words in the question to values.",
  "- For questions that list rows (show me, list, which), add a LIMIT of at most 100 unless the",
  "  question asks for all of them or for a count.",
  '- Answer with JSON: {"sql": "...", "explanation": "...", "assumptions": ["..."]}.',
].join("\n");

export function sqlPrompt(schemaText: string, question: string): ChatMessage[] {
  return [
    {
      role: "system",
      content: `${SQL_SYSTEM_PROMPT}\n\nSchema:\n${schemaText}`,
    },
    { role: "user", content: question },
  ];
}
