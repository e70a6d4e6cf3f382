import { z } from "zod";
import { answerQuestion, type AskDeps } from "../../pipeline/answer_question.ts";
import type { RunLimits } from "../../pipeline/run_sql.ts";
import type { McpServer } from "../sdk.ts";
import { toToolResult } from "../tool_result.ts";
import { answerShape } from "./shapes.ts";

export function registerQueryTool(
  server: McpServer,
  deps: AskDeps,
  limits: RunLimits,
): void {
  server.registerTool("query", {
    title: "Ask the database a question",
    description:
      "Answers a question about the PostgreSQL database in plain language: writes one read-only " +
      "SQL query, validates it, runs it read-only and returns the SQL with the rows. " +
      'return_type "sql" returns the SQL without running it.',
    inputSchema: {
      question: z.string().min(1).max(10_000).describe(
        "The question, in plain language",
      ),
      return_type: z.enum(["result", "sql"]).default("result").describe(
        '"result" (default) runs the SQL; "sql" only writes it',
      ),
    },
    outputSchema: answerShape,
    annotations: {
      title: "Ask the database",
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
  }, async ({ question, return_type }, extra) =>
    toToolResult(
      await answerQuestion(
        question,
        return_type ?? "result",
        deps,
        limits,
        extra.signal,
      ),
    ));
}
