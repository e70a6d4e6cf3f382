/** One object of a JSON Lines text, with its 1-based line number. */
export interface JsonLine {
  line: number;
  value: Record<string, unknown>;
}

export type JsonLines =
  | { ok: true; lines: JsonLine[] }
  | { ok: false; line: number; problem: string };

/** The objects of a JSON Lines text, blank lines skipped; the first bad line is named and why. */
export function parseJsonLines(text: string): JsonLines {
  const out: JsonLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, line: i + 1, problem: `not valid JSON (${reason})` };
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return { ok: false, line: i + 1, problem: "not a JSON object" };
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  }
  return { ok: true, lines: out };
}
