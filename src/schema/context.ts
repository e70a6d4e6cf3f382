import { type ColumnHint, enumValuesOf, renderTable } from "./render.ts";
import { type RankOptions, rankTables, type RetrievalIndex } from "./retrieval.ts";
import { estimateTokens } from "./tokens.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";

export interface SchemaContext {
  /** The schema text for the prompt. */
  text: string;
  /** The tables it describes. */
  tables: TableInfo[];
  /** Estimated tokens of `text`. */
  tokens?: number;
  /** True when the schema was over the budget and the tables were picked for the question. */
  selected?: boolean;
  /** Tables in the snapshot. */
  totalTables?: number;
}

export interface SchemaContextOptions {
  /** Per-column extra text, e.g. `profileHints(profile)` (values of low-cardinality columns). */
  columnHint?: ColumnHint;
  /** Passed to `rankTables`, e.g. `{ values: valueHints(matchValues(valueIndex, question)) }`. */
  rank?: RankOptions;
  /** The snapshot's retrieval index, when the caller keeps one; else the snapshot's cached one. */
  index?: RetrievalIndex;
}

/** Tables tried past the first one that does not fit, before giving up on filling the budget. */
const LOOKAHEAD = 20;

/**
 * The part of the schema a question needs, within the prompt budget. The whole schema when it
 * fits; otherwise the tables `rankTables` (the same ranking `search_schema` returns) puts first,
 * in rank order, as many as fit. A table too large for the budget on its own is not sent.
 * Column hints (a profile's values) count against the budget like the rest of the text.
 */
export function buildSchemaContext(
  snapshot: SchemaSnapshot,
  question: string,
  tokenBudget: number,
  options: SchemaContextOptions = {},
): SchemaContext {
  const enums = enumValuesOf(snapshot);
  const rendered = new Map<TableInfo, { text: string; tokens: number }>();
  const render = (t: TableInfo) => {
    let r = rendered.get(t);
    if (!r) {
      const text = renderTable(t, enums, options.columnHint);
      rendered.set(t, r = { text, tokens: estimateTokens(text) + 1 });
    }
    return r;
  };
  const total = snapshot.tables.length;
  let allTokens = 0;
  for (const t of snapshot.tables) {
    allTokens += render(t).tokens;
    if (allTokens > tokenBudget) break;
  }
  if (allTokens <= tokenBudget) {
    const text = snapshot.tables.map((t) => render(t).text).join("\n\n");
    return {
      text,
      tables: snapshot.tables,
      tokens: estimateTokens(text),
      selected: false,
      totalTables: total,
    };
  }

  const byName = new Map(snapshot.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
  const ranked = rankTables(options.index ?? snapshot, question, options.rank)
    .map((r) => byName.get(`${r.schema}\u0000${r.table}`)!);
  const rankedSet = new Set(ranked);
  // Nothing matched: the best-connected tables are the likeliest hubs of any question.
  const degrees = foreignKeyDegrees(snapshot);
  const rest = snapshot.tables.filter((t) => !rankedSet.has(t))
    .map((t) => ({ t, degree: degrees.get(`${t.schema}\u0000${t.name}`) ?? 0 }))
    .sort((a, b) => b.degree - a.degree)
    .map((x) => x.t);
  const header = (shown: number) =>
    `-- ${shown} of ${total} tables, picked for the question; ask search_schema for others\n`;
  let used = estimateTokens(header(total));
  const picked: TableInfo[] = [];
  let misses = 0;
  for (const t of [...ranked, ...rest]) {
    const { tokens } = render(t);
    if (used + tokens <= tokenBudget) {
      picked.push(t);
      used += tokens;
      misses = 0;
    } else if (++misses > LOOKAHEAD) break;
  }
  const text = header(picked.length) + picked.map((t) => render(t).text).join("\n\n");
  return {
    text,
    tables: picked,
    tokens: estimateTokens(text),
    selected: true,
    totalTables: total,
  };
}

/** Foreign keys in and out of each table. */
function foreignKeyDegrees(snapshot: SchemaSnapshot): Map<string, number> {
  const degrees = new Map<string, number>();
  const bump = (key: string) => degrees.set(key, (degrees.get(key) ?? 0) + 1);
  for (const t of snapshot.tables) {
    for (const fk of t.foreignKeys) {
      bump(`${t.schema}\u0000${t.name}`);
      bump(`${fk.refSchema}\u0000${fk.refTable}`);
    }
  }
  return degrees;
}
