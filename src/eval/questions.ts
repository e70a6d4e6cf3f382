import { fail, ok, type Result } from "../errors.ts";
import { parseJsonLines } from "../jsonl.ts";

/** One evaluation question (the format of shared/data/nl2sql/*\/questions.jsonl). */
export interface EvalQuestion {
  id: string;
  /** The database the question is about (`db_id`), when given. */
  database?: string;
  category: string;
  question: string;
  goldSql: string;
  /** False for questions that ask to change data: the right answer is then a refusal. */
  readOnly: boolean;
  /** Whether row order is part of the answer. Default: the gold SQL has an ORDER BY. */
  orderMatters: boolean;
}

/**
 * Parses JSON Lines of `{id, db_id?, category?, question, gold_sql, read_only?, order_matters?}`;
 * `sql` is accepted for `gold_sql`. Blank lines are skipped; a bad line fails naming its number.
 */
export function parseQuestions(text: string, source: string): Result<EvalQuestion[]> {
  const out: EvalQuestion[] = [];
  const bad = (line: number, state: string) =>
    fail<EvalQuestion[]>(
      "INVALID_INPUT",
      `Cannot read the questions file "${source}": line ${line}: ${state}`,
      { file: source, line },
    );
  const parsed = parseJsonLines(text);
  if (!parsed.ok) return bad(parsed.line, parsed.problem);
  for (const { line, value: v } of parsed.lines) {
    const question = v.question;
    const gold = v.gold_sql ?? v.sql;
    if (typeof question !== "string" || question.trim() === "") {
      return bad(line, '"question" must be a non-empty string');
    }
    if (typeof gold !== "string" || gold.trim() === "") {
      return bad(line, '"gold_sql" must be a non-empty string');
    }
    out.push({
      id: typeof v.id === "string" || typeof v.id === "number" ? String(v.id) : `line-${line}`,
      ...(typeof v.db_id === "string" ? { database: v.db_id } : {}),
      category: typeof v.category === "string" && v.category ? v.category : "uncategorized",
      question: question.trim(),
      goldSql: gold.trim(),
      readOnly: v.read_only !== false,
      orderMatters: typeof v.order_matters === "boolean"
        ? v.order_matters
        : /\border\s+by\b/i.test(gold),
    });
  }
  return ok(out);
}
