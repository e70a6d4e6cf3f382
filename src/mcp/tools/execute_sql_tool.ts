import { z } from "zod";
import { runSql, type RunSqlDeps } from "../../usecases/run_sql.ts";
import { defineTool } from "../tool.ts";
import { databaseArg, executeShape, maxRowsArg, READ_ONLY } from "./shapes.ts";

export function executeSqlTool(deps: RunSqlDeps) {
  return defineTool({
    name: "execute_sql",
    title: "Run a read-only SQL query",
    description:
      "Runs one read-only PostgreSQL SELECT (or EXPLAIN without ANALYZE) that you wrote and " +
      "returns the rows. The same validator, limits and read-only transaction as `query`: " +
      "writes, several statements, row locks and side-effecting functions are refused. A cut " +
      "result says truncated and carries next_cursor: call again with the same sql and " +
      "cursor: next_cursor for the rows that follow (paging is only stable with an ORDER BY " +
      "that fixes the order of every row).",
    input: {
      sql: z.string().max(100_000).describe("One SELECT statement"),
      database: databaseArg,
      max_rows: maxRowsArg,
      cursor: z.string().max(1_000).optional().describe(
        "next_cursor of the previous page of the same sql",
      ),
    },
    output: executeShape,
    annotations: { title: "Run read-only SQL", ...READ_ONLY },
    run: (args, call) =>
      runSql(
        {
          sql: args.sql,
          database: args.database,
          maxRows: args.max_rows,
          cursor: args.cursor,
        },
        deps,
        call.signal,
      ),
  });
}
