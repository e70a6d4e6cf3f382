import { z } from "zod";
import type { WriteDb } from "../../db/write_mode.ts";
import { fail, ok, type Result } from "../../errors.ts";
import type { SqlParser } from "../../sql/parse.ts";
import type { SqlPolicy } from "../../sql/validate.ts";
import { checkWrite } from "../../sql/validate_write.ts";
import type { McpServer } from "../sdk.ts";
import { toToolResult } from "../tool_result.ts";
import { errorShape } from "./shapes.ts";

export interface WriteToolDeps {
  writer: WriteDb;
  parser: SqlParser;
  policy: SqlPolicy;
  /** ms; the clock for previews' expiry. */
  now: () => number;
  /** How long a preview allows its `confirm: true` repeat (ms). */
  previewTtlMs: number;
}

export interface WriteAnswer {
  success: true;
  sql: string;
  operation: "INSERT" | "UPDATE" | "DELETE";
  affected_rows: number;
  committed: boolean;
  message: string;
}

export const writeShape = {
  success: z.boolean(),
  sql: z.string().optional(),
  operation: z.enum(["INSERT", "UPDATE", "DELETE"]).optional(),
  affected_rows: z.number().int().optional().describe(
    "Rows changed, or in a preview the rows it would change",
  ),
  committed: z.boolean().optional(),
  message: z.string().optional(),
  error: errorShape.optional(),
};

/**
 * Write mode: a statement first runs as a preview in a transaction that is rolled back, and
 * reports how many rows it would change; the same text repeated with `confirm: true` (within
 * `previewTtlMs` of its preview) runs again and commits.
 */
export function createWriteExecutor(deps: WriteToolDeps) {
  const previews = new Map<string, number>();
  return async function executeWrite(
    sql: string,
    confirm: boolean,
    signal?: AbortSignal,
  ): Promise<Result<WriteAnswer>> {
    const safe = await checkWrite(sql, deps.parser, deps.policy);
    if (!safe.ok) return safe;
    const now = deps.now();
    for (const [text, expires] of previews) if (expires <= now) previews.delete(text);
    if (confirm && !previews.has(sql)) {
      return fail(
        "INVALID_INPUT",
        "Cannot commit the write: preview it first (call without confirm), then repeat the same " +
          "SQL with confirm: true",
        { reason: "preview_required" },
      );
    }
    const outcome = await deps.writer.write(sql, { commit: confirm, signal });
    if (!outcome.ok) return outcome;
    const n = outcome.value.affectedRows;
    const rows = `${n} row${n === 1 ? "" : "s"}`;
    if (confirm) previews.delete(sql);
    else previews.set(sql, now + deps.previewTtlMs);
    return ok({
      success: true,
      sql,
      operation: safe.value.operation,
      affected_rows: n,
      committed: confirm,
      message: confirm
        ? `Committed: ${safe.value.operation} changed ${rows}`
        : `Preview: ${safe.value.operation} would change ${rows}; nothing was changed. ` +
          "Repeat the same SQL with confirm: true to commit it",
    });
  };
}

/** Registers `execute_write` only when write mode is on (`deps` present). */
export function registerExecuteWriteTool(server: McpServer, deps: WriteToolDeps | undefined): void {
  if (!deps) return;
  const executeWrite = createWriteExecutor(deps);
  server.registerTool(
    "execute_write",
    {
      title: "Change data (INSERT, UPDATE, DELETE)",
      description:
        "Write mode. Runs one INSERT, UPDATE or DELETE (UPDATE and DELETE need a WHERE clause; " +
        "no DDL, TRUNCATE, COPY, GRANT, SET or transaction control). Without confirm it is a " +
        "preview: it runs in a transaction that is rolled back and reports the rows it would " +
        "change. Repeat the same SQL with confirm: true to commit it.",
      inputSchema: {
        sql: z.string().min(1).max(100_000).describe("One INSERT, UPDATE or DELETE"),
        confirm: z.boolean().default(false).describe(
          "true commits a statement previewed before; false (default) previews it",
        ),
      },
      outputSchema: writeShape,
      annotations: {
        title: "Change data",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ sql, confirm }, extra) =>
      toToolResult(await executeWrite(sql, confirm ?? false, extra.signal)),
  );
}
