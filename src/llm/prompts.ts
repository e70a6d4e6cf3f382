import type { ChatMessage } from "./llm_client.ts";

/** A question with SQL known to answer it well, shown to the model as an example. */
export interface PromptExample {
  question: string;
  sql: string;
}

export const SQL_SYSTEM_PROMPT = [
  "You write PostgreSQL queries that answer questions about a database.",
  "Rules:",
  "- Write exactly one read-only statement: SELECT or WITH ... SELECT. Never modify data, never",
  "  lock rows, never call functions with side effects. If the question asks to change data,",
  "  write the statement it asks for anyway: the server will refuse it and tell the user why.",
  "- PostgreSQL dialect: || for strings, ILIKE for case-insensitive matching, date_trunc and",
  "  intervals for dates, ::type casts, FILTER (WHERE ...) for conditional aggregates.",
  "- Use only the tables and columns in the schema below; qualify tables with their schema.",
  '- Quote identifiers that need it ("Order", mixedCase names) exactly as the schema shows them.',
  "- Use the comments and enum values in the schema to map words in the question to values.",
  "- For questions that list rows (show me, list, which), add a LIMIT of at most 100 unless the",
  "  question asks for all of them, for a count, or for a specific order of every row.",
  "- Name result columns after what they hold; avoid duplicate rows from joins (a join to a",
  "  many-side table repeats rows: aggregate or use EXISTS instead).",
  "- If the question can reasonably mean different things that give different answers (and",
  "  the schema does not settle it), set ambiguous to true and list each reading with its SQL",
  "  in interpretations; still put your best guess in sql. Otherwise ambiguous is false and",
  "  interpretations is empty.",
  "- Answer with one JSON object and nothing else:",
  '  {"sql": "...", "explanation": "one sentence", "assumptions": ["..."], "confidence": 0-100,',
  '   "ambiguous": false, "interpretations": [{"meaning": "...", "sql": "..."}]}',
  "  where confidence is how sure you are that the SQL answers the question.",
].join("\n");

/** The generation prompt: rules, schema, the closest golden examples, then the question. */
export function sqlPrompt(
  schemaText: string,
  question: string,
  examples: readonly PromptExample[] = [],
  valueLines: readonly string[] = [],
): ChatMessage[] {
  const parts = [SQL_SYSTEM_PROMPT, `Schema:\n${schemaText}`];
  if (valueLines.length > 0) {
    parts.push(
      "Values the question may name, as the database stores them (use this spelling):\n" +
        valueLines.join("\n"),
    );
  }
  if (examples.length > 0) {
    parts.push(
      "Examples of good SQL for this database (questions similar to the user's):\n" +
        examples.map((e) => `Question: ${oneLine(e.question)}\nSQL: ${e.sql.trim()}`).join(
          "\n\n",
        ),
    );
  }
  return [
    { role: "system", content: parts.join("\n\n") },
    { role: "user", content: question },
  ];
}

/** What went wrong with an attempt, as the model is told it. */
export interface AttemptFailure {
  code: string;
  message: string;
  sqlstate?: string;
  hint?: string;
  detail?: string;
  /** 1-based character position in the SQL. */
  position?: number;
}

/** The follow-up that asks for a corrected statement after a failed attempt. */
export function repairMessage(sql: string | undefined, failure: AttemptFailure): ChatMessage {
  const lines: string[] = [];
  if (sql === undefined) {
    lines.push(`Your answer could not be used: ${failure.message}.`);
  } else {
    const state = failure.sqlstate ? ` (SQLSTATE ${failure.sqlstate})` : "";
    lines.push(`PostgreSQL rejected that query${state}: ${failure.message}`);
    if (failure.detail) lines.push(`DETAIL: ${failure.detail}`);
    if (failure.hint) lines.push(`HINT: ${failure.hint}`);
    if (failure.position !== undefined) {
      lines.push(`At character ${failure.position}:${pointAt(sql, failure.position)}`);
    }
    if (failure.code === "DB_TIMEOUT") {
      lines.push("The query ran out of time: write a cheaper query that answers the question.");
    }
    if (failure.code === "QUERY_TOO_EXPENSIVE") {
      lines.push(
        "The planner estimates that query is too expensive to run: write a cheaper query " +
          "(filter early, avoid cross joins, aggregate before joining) that answers the question.",
      );
    }
  }
  lines.push(
    "Write one corrected read-only PostgreSQL query that answers the question, using only the " +
      "schema given. Answer with the same JSON object as before.",
  );
  return { role: "user", content: lines.join("\n") };
}

/** The line of `sql` around a 1-based position, with a marker under that character. */
function pointAt(sql: string, position: number): string {
  const index = Math.max(0, Math.min(sql.length, position - 1));
  const start = sql.lastIndexOf("\n", index - 1) + 1;
  const endAt = sql.indexOf("\n", index);
  const line = sql.slice(start, endAt < 0 ? sql.length : endAt);
  return `\n${line}\n${" ".repeat(index - start)}^`;
}

export const CHECK_SYSTEM_PROMPT = [
  "You review the answer to a question about a PostgreSQL database. You see the question, the",
  "SQL that was run, the result's columns, its row count and a sample of its rows (long values",
  "cut). Judge whether the result answers the question: right tables and filters, right",
  "aggregation, plausible values, nothing missing or repeated.",
  "Answer with one JSON object and nothing else:",
  '{"confidence": 0-100, "explanation": "one or two sentences"}',
  "where confidence is how likely the result correctly answers the question.",
].join("\n");

export interface CheckInput {
  question: string;
  sql: string;
  columns: readonly { name: string; type: string }[];
  rowCount: number;
  truncated: boolean;
  /** At most this many rows are shown. */
  sampleRows: readonly Record<string, unknown>[];
  /** Longer values are cut to this many characters. */
  maxValueChars?: number;
}

/** The result-validation prompt. */
export function checkPrompt(input: CheckInput): ChatMessage[] {
  const max = input.maxValueChars ?? 120;
  const columns = input.columns.map((c) => `${c.name} (${c.type})`).join(", ");
  const sample = input.sampleRows.map((row) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cut(v, max)])))
  );
  const count = `${input.rowCount}${input.truncated ? " (cut at the row cap)" : ""}`;
  return [
    { role: "system", content: CHECK_SYSTEM_PROMPT },
    {
      role: "user",
      content: [
        `Question: ${input.question}`,
        `SQL:\n${input.sql}`,
        `Columns: ${columns || "(none)"}`,
        `Row count: ${count}`,
        `Sample rows (${sample.length}):`,
        ...(sample.length > 0 ? sample : ["(none)"]),
      ].join("\n"),
    },
  ];
}

/** A value shortened for the prompt: strings and JSON longer than `max` end in "…". */
export function cut(value: unknown, max: number): unknown {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text.length <= max) return value;
  return `${text.slice(0, max)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
