import { z } from "zod";
import { ok, type Result } from "../../errors.ts";
import { toResultData } from "../../pipeline/result_data.ts";
import { type RunLimits, runSql, type RunSqlDeps } from "../../pipeline/run_sql.ts";
import type { McpServer } from "../sdk.ts";
import { toToolResult } from "../tool_result.ts";
import { dataShape, errorShape } from "./shapes.ts";

/** `query`'s result shape without the LLM fields (generated_sql, confidence, tokens_used). */
export const executeShape = {
  success: z.boolean(),
  data: dataShape.optional(),
  truncated: z.boolean().optional(),
  error: errorShape.optional(),
};

export interface ExecuteAnswer {
  success: true;
  data: z.infer<typeof dataShape>;
  truncated?: true;
}

/** Validates and runs SQL written by the client's own model: the path `query` takes. */
export async function executeSql(
  sql: string,
  deps: RunSqlDeps,
  limits: RunLimits,
  signal?: AbortSignal,
): Promise<Result<ExecuteAnswer>> {
  const rows = await runSql(sql, deps, limits, signal);
  if (!rows.ok) return rows;
  return ok({
    success: true,
    data: toResultData(rows.value),
    ...(rows.value.truncated ? { truncated: true as const } : {}),
  });
}

export function registerExecuteSqlTool(
  server: McpServer,
  deps: RunSqlDeps,
  limits: RunLimits,
): void {
  server.registerTool("execute_sql", {
    title: "Run a read-only SQL query",
    description:
      "Runs one read-only PostgreSQL SELECT (or EXPLAIN without ANALYZE) that you wrote and " +
      "returns the rows. The same validator, limits and read-only transaction as `query`: " +
      "writes, several statements, row locks and side-effecting functions are refused.",
    inputSchema: {
      sql: z.string().min(1).max(100_000).describe("One SELECT statement"),
    },
    outputSchema: executeShape,
    annotations: {
      title: "Run read-only SQL",
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    },
  }, async ({ sql }, extra) => toToolResult(await executeSql(sql, deps, limits, extra.signal)));
}
