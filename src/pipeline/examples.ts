import { fail, ok, type Result } from "../errors.ts";
import type { PromptExample } from "../llm/prompts.ts";
import type { SqlParser } from "../sql/parse.ts";
import { type SqlPolicy, validateSql } from "../sql/validate.ts";
import { parseJsonLines } from "../jsonl.ts";

/**
 * Golden examples: question/SQL pairs known to be right for a database, the closest few of which
 * go into the generation prompt.
 *
 * File format (LLM_EXAMPLES_FILE): JSON Lines, one object a line, blank lines skipped:
 *   {"question": "How many members joined in 2012?", "sql": "SELECT ...", "database": "exercises"}
 * `sql` may be spelled `gold_sql` and `database` `db_id`, so a questions.jsonl of the eval
 * harness can serve as examples. `database` is optional: an example that names a database is used
 * only when connected to the database of that name (`current_database()`); one without applies
 * to any. Every example's SQL must pass the validator, or loading fails naming the line.
 */
export interface GoldenExample extends PromptExample {
  database?: string;
  /** 1-based line in the file. */
  line: number;
}

export interface ExampleSet {
  readonly examples: readonly GoldenExample[];
  /**
   * The `k` examples most similar to `question` that apply to the database (known by any of
   * `names`: its PostgreSQL name or its pg-mcp name), best first.
   */
  select(question: string, names: string | readonly string[], k?: number): GoldenExample[];
}

/** How many examples a prompt gets. */
export const EXAMPLES_PER_PROMPT = 3;

/** Parses and validates an examples file; `source` names it in errors. */
export function parseExamples(
  text: string,
  source: string,
  parser: SqlParser,
  policy: SqlPolicy,
): Result<ExampleSet> {
  const examples: GoldenExample[] = [];
  const bad = (line: number, state: string) =>
    fail<ExampleSet>(
      "CONFIG_INVALID",
      `Cannot load the examples file "${source}": line ${line}: ${state}`,
      { file: source, line },
    );
  const parsed = parseJsonLines(text);
  if (!parsed.ok) return bad(parsed.line, parsed.problem);
  for (const { line, value: v } of parsed.lines) {
    const question = v.question;
    const sql = v.sql ?? v.gold_sql;
    const database = v.database ?? v.db_id;
    if (typeof question !== "string" || question.trim() === "") {
      return bad(line, '"question" must be a non-empty string');
    }
    if (typeof sql !== "string" || sql.trim() === "") {
      return bad(line, '"sql" must be a non-empty string');
    }
    if (database !== undefined && typeof database !== "string") {
      return bad(line, '"database" must be a string');
    }
    const safe = validateSql(sql, parser, policy);
    if (!safe.ok) return bad(line, `the SQL is refused: ${safe.error.message}`);
    examples.push({
      question: question.trim(),
      sql: sql.trim().replace(/;\s*$/, ""),
      ...(database ? { database } : {}),
      line,
    });
  }
  return ok(createExampleSet(examples));
}

/** Reads `path` and parses it (once the parser is loaded); a missing file is CONFIG_INVALID too. */
export async function loadExamplesFile(
  path: string,
  parser: SqlParser,
  policy: SqlPolicy,
): Promise<Result<ExampleSet>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const state = error instanceof Deno.errors.NotFound
      ? "it does not exist"
      : error instanceof Error
      ? error.message
      : String(error);
    return fail("CONFIG_INVALID", `Cannot load the examples file "${path}": ${state}`, {
      file: path,
    });
  }
  await parser.ready();
  return parseExamples(text, path, parser, policy);
}

const STOPWORDS = new Set(
  ("a an and are as at be by can do does for from have how i in is it its me my of on or our " +
    "show that the their them there these this to us was we were what when where which who " +
    "whom why will with would you your all any each list give find produce get please many much")
    .split(" "),
);

/** Lower-case word stems without stopwords: "Members' bookings" → ["member", "booking"]. */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return word.slice(0, -3) + "y";
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/** Okapi BM25 over the example questions: lexical, local, deterministic. */
export function createExampleSet(examples: readonly GoldenExample[]): ExampleSet {
  const docs = examples.map((e) => terms(e.question));
  const avgLength = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, docs.length);
  const docFreq = new Map<string, number>();
  for (const doc of docs) {
    for (const t of new Set(doc)) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  }
  const n = docs.length;
  const idf = (t: string) => {
    const df = docFreq.get(t) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };
  const k1 = 1.2;
  const b = 0.75;
  return {
    examples,
    select(question, names, k = EXAMPLES_PER_PROMPT) {
      const accepted = new Set(typeof names === "string" ? [names] : names);
      const query = new Set(terms(question));
      const scored: { example: GoldenExample; score: number; index: number }[] = [];
      examples.forEach((example, index) => {
        if (example.database !== undefined && !accepted.has(example.database)) return;
        const doc = docs[index];
        let score = 0;
        for (const t of query) {
          const tf = doc.filter((d) => d === t).length;
          if (tf === 0) continue;
          score += idf(t) * (tf * (k1 + 1)) /
            (tf + k1 * (1 - b + b * doc.length / Math.max(1, avgLength)));
        }
        if (score > 0) scored.push({ example, score, index });
      });
      scored.sort((x, y) => y.score - x.score || x.index - y.index);
      return scored.slice(0, k).map((s) => s.example);
    },
  };
}
