/**
 * Pulls the SQL out of a model's answer: a JSON object with "sql", a fenced block, or prose
 * around a statement. Trailing semicolons go; what is left is one statement or nothing.
 */
export function extractSql(answer: string): string | undefined {
  const text = answer.trim();
  const fromJson = sqlFromJson(text);
  if (fromJson !== undefined) return clean(fromJson);
  const fences = [
    ...text.matchAll(/```[ \t]*([A-Za-z0-9_-]*)[^\n]*\n([\s\S]*?)```/g),
  ];
  const fenced = fences.find((m) => /^(sql|postgres(ql)?|psql|pgsql)?$/i.test(m[1])) ??
    fences[0];
  if (fenced) return clean(fenced[2]);
  const start = statementStart(text);
  if (start < 0) return undefined;
  let sql = text.slice(start);
  // Prose after the statement: cut at a blank line or at a sentence that follows a semicolon.
  const blank = sql.search(
    /\n\s*\n(?!\s*(SELECT|FROM|WHERE|GROUP|ORDER|HAVING|LIMIT|UNION|JOIN))/i,
  );
  if (blank > 0) sql = sql.slice(0, blank);
  const afterSemicolon = sql.search(/;\s+[A-Z][a-z]+\s[a-z]/);
  if (afterSemicolon > 0) sql = sql.slice(0, afterSemicolon);
  return clean(sql);
}

const KEYWORDS = "WITH|SELECT|EXPLAIN|VALUES|TABLE|INSERT|UPDATE|DELETE";
const AT_LINE_START = new RegExp(`^[ \\t]*(${KEYWORDS})\\b`, "gim");
const UPPER_CASE = new RegExp(`\\b(${KEYWORDS})\\b`, "g");

/**
 * Where a statement starts in prose: an upper-case keyword, or a keyword of any case at the start
 * of a line ("I can help with that" holds no SQL). -1 when there is none.
 */
function statementStart(text: string): number {
  const starts = [...text.matchAll(AT_LINE_START)].map((m) => m.index + m[0].search(/\S/));
  const upper = text.search(UPPER_CASE);
  if (upper >= 0) starts.push(upper);
  return starts.length > 0 ? Math.min(...starts) : -1;
}

function sqlFromJson(text: string): string | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    const value = JSON.parse(text.slice(start, end + 1)) as {
      sql?: unknown;
      query?: unknown;
    };
    const sql = value.sql ?? value.query;
    return typeof sql === "string" ? sql : undefined;
  } catch {
    return undefined;
  }
}

function clean(sql: string): string | undefined {
  const out = sql.trim().replace(/(;\s*)+$/, "").trim();
  return out.length > 0 ? out : undefined;
}
