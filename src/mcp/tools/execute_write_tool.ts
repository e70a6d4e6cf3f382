import { z } from "zod";
import { writeData, type WriteDeps } from "../../usecases/write.ts";
import { defineTool } from "../tool.ts";
import { baseShape, databaseArg } from "./shapes.ts";

export function executeWriteTool(deps: WriteDeps) {
  return defineTool({
    name: "execute_write",
    title: "Change data (INSERT, UPDATE, DELETE)",
    description:
      "Write mode. Runs one INSERT, UPDATE or DELETE (UPDATE and DELETE need a WHERE clause; " +
      "no DDL, TRUNCATE, COPY, GRANT, SET or transaction control). Without confirm_token it is " +
      "a preview: it runs in a transaction that is rolled back, reports the rows it would " +
      "change and returns a confirm_token. Call again with the same SQL and that confirm_token " +
      "to commit it (once, within ten minutes).",
    input: {
      sql: z.string().max(100_000).describe("One INSERT, UPDATE or DELETE"),
      confirm_token: z.string().max(2_000).optional().describe(
        "The confirm_token of this statement's preview: commits it",
      ),
      database: databaseArg,
    },
    output: {
      ...baseShape,
      database: z.string().optional(),
      sql: z.string().optional(),
      operation: z.enum(["INSERT", "UPDATE", "DELETE"]).optional(),
      affected_rows: z.number().int().optional().describe(
        "Rows changed, or in a preview the rows it would change",
      ),
      committed: z.boolean().optional(),
      confirm_token: z.string().optional(),
      expires_at: z.string().optional(),
      message: z.string().optional(),
    },
    annotations: {
      title: "Change data",
      readOnlyHint: false,
      destructiveHint: true,
      idempotentHint: false,
      openWorldHint: false,
    },
    run: (args, call) =>
      writeData(
        { sql: args.sql, confirmToken: args.confirm_token, database: args.database },
        deps,
        call.signal,
      ),
  });
}
