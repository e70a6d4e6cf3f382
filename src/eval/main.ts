/**
 * The evaluation harness: `deno task eval --questions FILE.jsonl [options]`.
 *
 * Runs each question through the real pipeline (the configured database and LLM, the same
 * environment and .env as the server), runs the gold SQL read-only, compares the result sets and
 * prints a markdown table on stdout; `--json FILE` also writes the full JSON report. A progress bar
 * goes to stderr. Exit status: 0 when it ran, 2 on bad arguments or configuration.
 */
import { parseArgs } from "node:util";
import denoJson from "../../deno.json" with { type: "json" };
import { createApp } from "../app.ts";
import type { Config } from "../config/config.ts";
import { type Env, ENV_VARS, loadConfig, NAMED_DATABASE_URL } from "../config/load_config.ts";
import { readEnv } from "../config/read_env.ts";
import { AppError } from "../errors.ts";
import { createLogger, type LogLevel } from "../log.ts";
import { askQuestion } from "../usecases/ask_question.ts";
import { readRows } from "../usecases/run_sql.ts";
import { checkSql } from "../sql/validate.ts";
import { type EvalQuestion, parseQuestions } from "./questions.ts";
import { progressLine, toMarkdown } from "./report.ts";
import { type EvalReport, runEval } from "./run_eval.ts";

export const USAGE = `Usage: deno task eval --questions FILE.jsonl [options]

Runs every question through pg-mcp's pipeline against the configured database and LLM (the
server's environment variables and .env), runs the gold SQL, and reports execution accuracy,
refusals, attempts, tokens and latency, overall and per category.

Options:
  --questions FILE   JSON Lines: {id, db_id, category, question, gold_sql, read_only,
                     order_matters} (the format of shared/data/nl2sql/*/questions.jsonl)
  --db-id NAME       only the questions whose db_id is NAME
  --category NAME    only the questions of this category (repeatable)
  --limit N          only the first N questions (after the filters)
  --json FILE        also write the JSON report to FILE
  --format FORMAT    stdout: "markdown" (default) or "json"
  --help             this text
`;

export interface EvalIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (the bar then redraws in place). */
  stderrIsTty: boolean;
  now(): number;
}

/** The CLI as a function, for tests: returns the exit status. */
export async function runEvalCli(args: string[], env: Env, io: EvalIo): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args,
      options: {
        questions: { type: "string" },
        "db-id": { type: "string" },
        category: { type: "string", multiple: true },
        limit: { type: "string" },
        json: { type: "string" },
        format: { type: "string", default: "markdown" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr(`eval: ${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    io.stdout(USAGE);
    return 0;
  }
  const limit = opts.limit === undefined ? undefined : Number(opts.limit);
  const problems = [
    ...(!opts.questions ? ["--questions FILE is required"] : []),
    ...(limit !== undefined && !(Number.isInteger(limit) && limit > 0)
      ? [`--limit must be a positive integer, not "${opts.limit}"`]
      : []),
    ...(opts.format !== "markdown" && opts.format !== "json"
      ? [`--format must be "markdown" or "json", not "${opts.format}"`]
      : []),
  ];
  if (problems.length > 0) {
    io.stderr(`eval: ${problems.join("; ")}\n\n${USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(opts.questions!);
  } catch (error) {
    io.stderr(`eval: Cannot read "${opts.questions}": ${(error as Error).message}\n`);
    return 2;
  }
  const parsed = parseQuestions(text, opts.questions!);
  if (!parsed.ok) {
    io.stderr(`eval: ${parsed.error.message}\n`);
    return 2;
  }
  const questions = selectQuestions(parsed.value, opts["db-id"], opts.category, limit);
  if (questions.length === 0) {
    io.stderr("eval: Cannot evaluate: no question matches the filters\n");
    return 2;
  }
  const config = loadConfig(env);
  if (!config.ok) {
    io.stderr(`eval: ${config.error.message}\n`);
    return 2;
  }
  const report = await evaluate(questions, config.value, io);
  if (!report.ok) {
    io.stderr(`eval: ${report.error.message}\n`);
    return 2;
  }
  const json = JSON.stringify(report.value, null, 2) + "\n";
  if (opts.json) await Deno.writeTextFile(opts.json, json);
  io.stdout(opts.format === "json" ? json : toMarkdown(report.value));
  return 0;
}

export function selectQuestions(
  questions: readonly EvalQuestion[],
  database?: string,
  categories?: readonly string[],
  limit?: number,
): EvalQuestion[] {
  const picked = questions.filter((q) =>
    (database === undefined || q.database === database) &&
    (!categories?.length || categories.includes(q.category))
  );
  return limit === undefined ? picked : picked.slice(0, limit);
}

async function evaluate(
  questions: readonly EvalQuestion[],
  config: Config,
  io: EvalIo,
): Promise<{ ok: true; value: EvalReport } | { ok: false; error: AppError }> {
  // Warnings and errors only: the progress bar shares stderr.
  const level: LogLevel = config.observability.logLevel === "ERROR" ? "ERROR" : "WARNING";
  const log = createLogger({
    level,
    format: config.observability.logFormat,
    write: (line) => io.stderr(line + "\n"),
  });
  let app;
  try {
    app = await createApp(config, log, denoJson.version);
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error };
    throw error;
  }
  try {
    const deps = app.usecases.ask;
    if (!deps.llm.ok) return deps.llm;
    const db = app.databases.resolve();
    if (!db.ok) return db;
    let right = 0;
    const value = await runEval(questions, {
      ask: (question) => askQuestion({ question, returnType: "result" }, deps),
      // The gold SQL goes through the validator too: a gold statement is a read.
      runGold: async (sql) => {
        const safe = await checkSql(sql, deps.parser, db.value.policy);
        if (!safe.ok) return safe;
        const rows = await readRows(db.value, safe.value, {
          maxRows: deps.limits.maxRows,
          limits: { ...deps.limits, maxResultChars: 1e9, maxResultBytes: 1e9 },
          skeleton: () => ({}),
        });
        return rows.ok
          ? { ok: true, value: { columns: rows.value.columns, rows: rows.value.rows.values() } }
          : rows;
      },
      now: io.now,
      onProgress(done, total, last) {
        if (last.right) right++;
        const line = progressLine(done, total, right);
        io.stderr(io.stderrIsTty ? `\r${line}${done === total ? "\n" : ""}` : `${line}\n`);
      },
    });
    return { ok: true, value };
  } finally {
    await app.close();
  }
}

/** Writes all of `text` (writeSync may write part of it). */
function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}

if (import.meta.main) {
  const env = await readEnv(ENV_VARS, { dynamic: NAMED_DATABASE_URL });
  if (!env.ok) {
    writeAll(Deno.stderr, `eval: ${env.error.message}\n`);
    Deno.exit(2);
  }
  const status = await runEvalCli(
    Deno.args,
    env.value,
    {
      stdout: (t) => writeAll(Deno.stdout, t),
      stderr: (t) => writeAll(Deno.stderr, t),
      stderrIsTty: Deno.stderr.isTerminal(),
      now: () => performance.now(),
    },
  );
  Deno.exit(status);
}
