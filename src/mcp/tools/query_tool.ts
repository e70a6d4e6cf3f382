import { z } from "zod";
import { type AskDeps, askQuestion } from "../../usecases/ask_question.ts";
import { defineTool } from "../tool.ts";
import { answerShape, databaseArg, maxRowsArg, READ_ONLY } from "./shapes.ts";

export function queryTool(deps: AskDeps) {
  return defineTool({
    name: "query",
    title: "Ask the database a question",
    description:
      "Answers a question about the PostgreSQL database in plain language: writes one read-only " +
      "SQL query, validates it, runs it read-only and returns the SQL with the rows. " +
      'return_type "sql" returns the SQL without running it. A cut result carries next_cursor: ' +
      "pass it to execute_sql with generated_sql as `sql` for the next rows.",
    input: {
      question: z.string().max(10_000).describe("The question, in plain language"),
      return_type: z.enum(["result", "sql"]).default("result").describe(
        '"result" (default) runs the SQL; "sql" only writes it',
      ),
      database: databaseArg,
      max_rows: maxRowsArg,
    },
    output: answerShape,
    annotations: { title: "Ask the database", ...READ_ONLY },
    run: (args, call) =>
      askQuestion(
        {
          question: args.question,
          returnType: args.return_type,
          database: args.database,
          maxRows: args.max_rows,
        },
        deps,
        { signal: call.signal, progress: call.progress, elicit: call.elicit },
      ),
  });
}
