import { ok, type Result } from "../errors.ts";
import { type CatalogReader, type ColumnFilter, quoteName } from "./catalog_reader.ts";
import { qualifiedName, quoteIdent } from "./render.ts";
import type { ValueHint } from "./retrieval.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "./types.ts";
import { fold, isStopWord, stem } from "./words.ts";

/**
 * Value linking: the distinct values of short text columns, so that a question naming a value
 * ("rock and roll", "sao paulo") finds its stored spelling and column (`genre.name = 'Rock And
 * Roll'`, `customer.city = 'São Paulo'`). The index is bounded (values per column, values in
 * all, characters per value, columns, rows read per column, total time) and built from the
 * catalog reader, one cheap statement per column, meant to run in the background after the
 * schema is loaded. Matching is pure and fast: case, accents and word order are ignored, plural
 * endings are stemmed, and a value matches when the question holds most of its distinctive
 * words ("protected aac files" → 'Protected AAC audio file').
 */

export interface ValueIndexOptions {
  /** Most frequent distinct values kept per column (default 1,000). */
  maxValuesPerColumn?: number;
  /** Values kept in all (default 100,000). */
  maxValues?: number;
  /** Longer values are not indexed: they are text, not names (default 80 characters). */
  maxValueLength?: number;
  /** Columns read at most (default 2,000). */
  maxColumns?: number;
  /** Rows read per column at most; big tables are sampled (default 50,000). */
  maxRowsPerColumn?: number;
  /** Stop reading after this long (ms, default 30,000); what was read is kept. */
  timeBudgetMs?: number;
  /** Columns to leave out (hidden columns). */
  skipColumn?: ColumnFilter;
  /** Clock (ms); Date.now by default. */
  now?: () => number;
}

export interface ValueEntry {
  schema: string;
  table: string;
  column: string;
  value: string;
  /** Stemmed, folded words of the value. */
  words: readonly string[];
}

export interface ValueIndex {
  readonly entries: readonly ValueEntry[];
  /** Word → entries holding it. */
  readonly postings: ReadonlyMap<string, readonly number[]>;
  /** Words that name tables or columns: a question word equal to one names the schema. */
  readonly schemaWords: ReadonlySet<string>;
  readonly stats: ValueIndexStats;
}

export interface ValueIndexStats {
  columns: number;
  values: number;
  /** Columns that could not be read (permission, timeout): left out. */
  failedColumns: number;
  /** A cap or the time budget stopped the build early. */
  truncated: boolean;
  ms: number;
}

export interface ValueMatch {
  schema: string;
  table: string;
  column: string;
  /** The stored spelling. */
  value: string;
  /** The question's words it matched, as written there. */
  phrase: string;
  /** 0..1: share of the value's distinctive words found, 1 for the whole value as a phrase. */
  score: number;
}

const DEFAULTS = {
  maxValuesPerColumn: 1_000,
  maxValues: 100_000,
  maxValueLength: 80,
  maxColumns: 2_000,
  maxRowsPerColumn: 50_000,
  timeBudgetMs: 30_000,
};

/** Text-like column types whose values can be names, codes or categories. */
const TEXT_TYPE = /^(text|character varying|varchar|character|char|citext|name|bpchar)\b/;

/**
 * Reads the distinct values of the snapshot's short text columns (enum columns come from the
 * snapshot itself, with no query). Small tables first: lookup tables hold the categories
 * questions name. A column that cannot be read is skipped; the build stops at a cap or at the
 * time budget and says so in `stats.truncated`. Each statement reads at most
 * `maxRowsPerColumn` rows (a `TABLESAMPLE SYSTEM` of tables estimated larger) and runs under the
 * reader's statement timeout.
 */
export async function buildValueIndex(
  reader: CatalogReader,
  snapshot: SchemaSnapshot,
  options: ValueIndexOptions = {},
): Promise<Result<ValueIndex>> {
  const cfg = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const started = now();
  const entries: ValueEntry[] = [];
  const enumValues = new Map((snapshot.enums ?? []).map((e) => [`${e.schema}.${e.name}`, e]));
  const textDomains = new Set(
    (snapshot.domains ?? []).filter((d) => TEXT_TYPE.test(d.baseType))
      .map((d) => `${d.schema}.${d.name}`),
  );
  const stats: ValueIndexStats = {
    columns: 0,
    values: 0,
    failedColumns: 0,
    truncated: false,
    ms: 0,
  };
  const add = (t: TableInfo, c: ColumnInfo, value: string) => {
    entries.push({
      schema: t.schema,
      table: t.name,
      column: c.name,
      value,
      words: valueWords(value),
    });
  };
  const tables = [...snapshot.tables].sort((a, b) =>
    (a.estimatedRows ?? 0) - (b.estimatedRows ?? 0)
  );
  outer: for (const t of tables) {
    for (const c of t.columns) {
      if (options.skipColumn?.(t.schema, t.name, c.name)) continue;
      const isEnum = c.enumType !== undefined && enumValues.has(c.enumType);
      const isText = TEXT_TYPE.test(c.type) ||
        (c.domainType !== undefined && textDomains.has(c.domainType));
      if (!isEnum && !isText) continue;
      if (stats.columns >= cfg.maxColumns || entries.length >= cfg.maxValues) {
        stats.truncated = true;
        break outer;
      }
      if (now() - started > cfg.timeBudgetMs) {
        stats.truncated = true;
        break outer;
      }
      const room = Math.min(cfg.maxValuesPerColumn, cfg.maxValues - entries.length);
      stats.columns++;
      if (isEnum) {
        // An array of enums is indexed by its element type's labels too.
        for (const v of enumValues.get(c.enumType!)!.values.slice(0, room)) add(t, c, v);
        continue;
      }
      const read = await reader.catalog<{ v: string }>(
        distinctValuesSql(t, c, cfg.maxRowsPerColumn),
        [cfg.maxRowsPerColumn, cfg.maxValueLength, room + 1],
      );
      if (!read.ok) {
        stats.failedColumns++;
        continue;
      }
      if (read.value.length > room) stats.truncated = true;
      for (const row of read.value.slice(0, room)) add(t, c, row.v);
    }
  }
  stats.values = entries.length;
  stats.ms = now() - started;
  return ok(indexValues(entries, snapshot, stats));
}

/**
 * The most frequent distinct values of one column, from at most `$1` rows (a block sample of a
 * table estimated larger than that), `$2` characters long at most, `$3` of them.
 */
export function distinctValuesSql(t: TableInfo, c: ColumnInfo, maxRows: number): string {
  const rows = t.estimatedRows ?? 0;
  const percent = rows > maxRows ? Math.max(0.01, Math.min(100, (200 * maxRows) / rows)) : 0;
  const sample = percent > 0 ? ` TABLESAMPLE SYSTEM (${percent.toFixed(4)})` : "";
  const column = quoteName(c.name);
  return `SELECT v FROM (
  SELECT ${column}::text AS v FROM ${quoteName(t.schema)}.${quoteName(t.name)}${sample}
  WHERE ${column} IS NOT NULL LIMIT $1
) s WHERE length(v) BETWEEN 1 AND $2 AND v ~ '[[:alpha:]]'
GROUP BY v ORDER BY count(*) DESC, v LIMIT $3`;
}

/** Builds the matcher's postings from entries (exported for tests and other sources). */
export function indexValues(
  entries: readonly ValueEntry[],
  snapshot: SchemaSnapshot,
  stats: ValueIndexStats = {
    columns: 0,
    values: entries.length,
    failedColumns: 0,
    truncated: false,
    ms: 0,
  },
): ValueIndex {
  const postings = new Map<string, number[]>();
  entries.forEach((e, i) => {
    for (const w of new Set(e.words)) {
      let list = postings.get(w);
      if (!list) postings.set(w, list = []);
      list.push(i);
    }
  });
  const schemaWords = new Set<string>();
  for (const t of snapshot.tables) {
    for (const w of valueWords(t.name)) schemaWords.add(w);
    for (const c of t.columns) for (const w of valueWords(c.name)) schemaWords.add(w);
  }
  return { entries, postings, schemaWords, stats };
}

/** The words of a value or a question, folded and stemmed (stop words kept, for phrases). */
function valueWords(text: string): string[] {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0).map(stem);
}

export interface MatchOptions {
  /** Matches returned at most (default 8). */
  limit?: number;
  /** Lowest score kept (default 0.6). */
  minScore?: number;
}

/** Values scored per question at most. */
const MAX_CANDIDATES = 5_000;
/** A word held by more values than this does not bring candidates (it may still match). */
const MAX_POSTING = 2_000;

/**
 * The stored values a question names, best first. A value matches when the question holds its
 * words (found through the words that are not stop words): all of them (score 1), or most of
 * them weighted by how rare each is among the indexed values (`protected aac files` → 'Protected AAC audio file'). A
 * question word that only names a table or column (`genre`, `tracks`) does not match a value on
 * its own. Of several values of one column matched by the same question words, the one using
 * more of them wins ('Rock And Roll' over 'Rock').
 */
export function matchValues(
  index: ValueIndex,
  question: string,
  options: MatchOptions = {},
): ValueMatch[] {
  const limit = options.limit ?? 8;
  const minScore = options.minScore ?? 0.6;
  const tokens = questionTokens(question);
  const questionWords = new Set(tokens.map((t) => t.word));
  const n = index.entries.length;
  const idf = (w: string) => Math.log(1 + n / (index.postings.get(w)?.length ?? 1));
  const positionsOf = new Map<string, number[]>();
  tokens.forEach((t, i) => {
    if (!isStopWord(t.word)) positionsOf.set(t.word, [...positionsOf.get(t.word) ?? [], i]);
  });
  // Candidates come through the question's rarer words: a word most values hold narrows nothing.
  const candidates = new Set<number>();
  const byRarity = [...positionsOf.keys()].map((w) => index.postings.get(w) ?? [])
    .filter((list) => list.length > 0 && list.length <= MAX_POSTING)
    .sort((a, b) => a.length - b.length);
  fill: for (const list of byRarity) {
    for (const entry of list) {
      candidates.add(entry);
      if (candidates.size >= MAX_CANDIDATES) break fill;
    }
  }
  const found: (ValueMatch & { positions: number[]; words: number; exact: boolean })[] = [];
  for (const entry of candidates) {
    const positions: number[] = [];
    for (const w of new Set(index.entries[entry].words)) {
      positions.push(...positionsOf.get(w) ?? []);
    }
    const e = index.entries[entry];
    const matchedWords = new Set([...positions].map((p) => tokens[p].word));
    // Stop words of the value count too ('Rock Me' is not 'rock'), found anywhere in the question.
    let have = 0;
    let want = 0;
    for (const w of new Set(e.words)) {
      want += idf(w);
      if (matchedWords.has(w) || (isStopWord(w) && questionWords.has(w))) have += idf(w);
    }
    const sorted = tightest([...positions].sort((a, b) => a - b), tokens);
    const onlySchema = [...matchedWords].every((w) => index.schemaWords.has(w));
    if (onlySchema && !(matchedWords.size >= 2 && have === want)) continue;
    const phrase = isPhrase(e.words, tokens, sorted);
    const score = phrase ? 1 : have / want;
    if (score < minScore) continue;
    const first = tokens[sorted[0]];
    const last = tokens[sorted[sorted.length - 1]];
    found.push({
      schema: e.schema,
      table: e.table,
      column: e.column,
      value: e.value,
      phrase: question.slice(first.start, last.end),
      score: Math.round(score * 1000) / 1000,
      positions: sorted,
      words: matchedWords.size,
      exact: phrase,
    });
  }
  found.sort((a, b) =>
    b.score * b.words - a.score * a.words || b.score - a.score ||
    Number(b.exact) - Number(a.exact) || a.positions[0] - b.positions[0] ||
    a.value.length - b.value.length ||
    (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)
  );
  // A value whose matched words are a subset of a better one's in the same column adds nothing.
  const kept: typeof found = [];
  for (const m of found) {
    const subsumed = kept.some((k) =>
      k.schema === m.schema && k.table === m.table && k.column === m.column &&
      m.positions.every((p) => k.positions.includes(p))
    );
    if (!subsumed) kept.push(m);
    if (kept.length >= limit) break;
  }
  return kept.map(({ positions: _p, words: _w, exact: _e, ...m }) => m);
}

interface Token {
  word: string;
  start: number;
  end: number;
}

function questionTokens(question: string): Token[] {
  const out: Token[] = [];
  for (const m of question.matchAll(/[\p{L}\p{N}]+/gu)) {
    for (const part of valueWords(m[0])) {
      out.push({ word: part, start: m.index!, end: m.index! + m[0].length });
    }
  }
  return out;
}

/**
 * The shortest run of positions holding each matched word once (a word the question repeats
 * far away does not stretch the phrase).
 */
function tightest(positions: number[], tokens: Token[]): number[] {
  const wanted = new Set(positions.map((p) => tokens[p].word)).size;
  let best = positions;
  for (let i = 0; i < positions.length; i++) {
    const seen = new Map<string, number>();
    for (let j = i; j < positions.length; j++) {
      const w = tokens[positions[j]].word;
      if (!seen.has(w)) seen.set(w, positions[j]);
      if (seen.size === wanted) {
        const run = [...seen.values()];
        if (positions[j] - positions[i] < best[best.length - 1] - best[0]) best = run;
        break;
      }
    }
  }
  return best;
}

/** The value's words appear in the question in order, side by side. */
function isPhrase(words: readonly string[], tokens: Token[], positions: number[]): boolean {
  const first = positions[0];
  return words.length > 0 && words.every((w, i) => tokens[first + i]?.word === w);
}

/** Matches as hints for `rankTables` (the tables holding the named values). */
export function valueHints(matches: readonly ValueMatch[]): ValueHint[] {
  return matches.map((m) => ({
    schema: m.schema,
    table: m.table,
    column: m.column,
    score: m.score,
  }));
}

/**
 * Matches as prompt lines, e.g. `-- "rock and roll" may mean public.genre.name = 'Rock And Roll'`.
 * One line per match, in order, at most `maxLines`.
 */
export function renderValueMatches(matches: readonly ValueMatch[], maxLines = 8): string[] {
  return matches.slice(0, maxLines).map((m) =>
    `-- "${m.phrase.replace(/\s+/g, " ")}" may mean ${
      qualifiedName({ schema: m.schema, name: m.table })
    }.${quoteIdent(m.column)} = '${m.value.replaceAll("'", "''").replace(/\s+/g, " ")}'`
  );
}
