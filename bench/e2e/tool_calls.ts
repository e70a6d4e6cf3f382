/** How each server's tool is called and how many rows its answer holds once parsed. */
import type { CallToolResult } from "./sdk.ts";
import { executeSqlArguments, referenceQueryArguments } from "./server_env.ts";

export interface ToolCall {
  name: string;
  args(sql: string): Record<string, unknown>;
  /** Rows in the result; throws on a tool error or a truncated result. */
  rows(result: CallToolResult): number;
}

/** pg-mcp's `execute_sql`: the rows are in structuredContent, already parsed with the message. */
export const executeSqlCall: ToolCall = {
  name: "execute_sql",
  args: executeSqlArguments,
  rows(result) {
    const body = result.structuredContent as
      | { success?: boolean; truncated?: boolean; data?: { rows?: unknown[] } }
      | undefined;
    if (result.isError || !body?.success) {
      throw new Error(`Cannot run the workload: execute_sql failed: ${textOf(result)}`);
    }
    if (body.truncated) {
      throw new Error(
        "Cannot run the workload: pg-mcp truncated the result (raise its limits in " +
          "bench/e2e/server_env.ts)",
      );
    }
    return body.data?.rows?.length ?? 0;
  },
};

/** The reference server's `query`: a JSON array of rows in one text content. */
export const referenceQueryCall: ToolCall = {
  name: "query",
  args: referenceQueryArguments,
  rows(result) {
    if (result.isError) {
      throw new Error(`Cannot run the workload: query failed: ${textOf(result)}`);
    }
    const rows: unknown = JSON.parse(textOf(result));
    if (!Array.isArray(rows)) throw new Error("Cannot read the reference result: not an array");
    return rows.length;
  },
};

function textOf(result: CallToolResult): string {
  const first = result.content?.[0];
  return first?.type === "text" ? first.text : "";
}
