import {
  buildRetrievalIndex,
  matchWord,
  type RetrievalIndex,
  type WordMatch,
} from "./retrieval_index.ts";
import type { SchemaSnapshot } from "./types.ts";
import { isStopWord, questionWords, stem } from "./words.ts";

export { stem, terms } from "./words.ts";
export { buildRetrievalIndex, type RetrievalIndex } from "./retrieval_index.ts";

/** One table's relevance to a query; higher is better. */
export interface RankedTable {
  schema: string;
  table: string;
  score: number;
}

/**
 * A stored value the question names (from value linking, `src/schema/value_index.ts`): the
 * table holding it is likely needed even when the question names none of its columns.
 */
export interface ValueHint {
  schema: string;
  table: string;
  column?: string;
  /** 0..1: how well the value matched. */
  score: number;
}

export interface RankOptions {
  /** Tables and columns whose stored values the question names. */
  values?: readonly ValueHint[];
}

const K1 = 1.2;
/** Length normalization: low, since a wide table is not less relevant for its many columns. */
const B = 0.25;
/** Share of a table's score given to its best-scoring neighbour in the join graph. */
const NEIGHBOUR_SHARE = 0.5;
/** Share of the second-best neighbour's score: a table joining two matched ones (a bridge). */
const BRIDGE_SHARE = 0.3;
/**
 * Share of the schema's coverage of the question given to each of its tables. Coverage sums,
 * over the question's words, the best match any table of the schema has (weighted by how few
 * schemas have the word), normalized a little by the schema's size: the question's words are
 * usually about one part of the database, so its tables rise together.
 */
const COVERAGE_SHARE = 1.5;
const SCHEMA_B = 0.25;
/** A table matching nothing itself gets less of its schema's coverage the larger the schema. */
const UNMATCHED_DECAY = 0.1;
/** Every word of the table's name in the query: the question names this table. */
const FULL_NAME_BONUS = 1.25;
/** Extra per additional query word matching the same column ("test takers", "lap time"). */
const SAME_COLUMN_BONUS = 0.1;
/** A value hint with score 1 counts as much as a query word found in one table only. */
const VALUE_WEIGHT = 1;

const indexes = new WeakMap<SchemaSnapshot, RetrievalIndex>();

/**
 * The snapshot's index, built on first use and kept as long as the snapshot is (a WeakMap keyed
 * by the snapshot object: a new snapshot gets a new index, the old one goes with its snapshot).
 * Callers that own the snapshot's lifetime may build one with `buildRetrievalIndex` instead.
 */
export function indexOf(snapshot: SchemaSnapshot): RetrievalIndex {
  let index = indexes.get(snapshot);
  if (!index) indexes.set(snapshot, index = buildRetrievalIndex(snapshot));
  return index;
}

interface QueryWord {
  raw: string;
  term: string;
}

function queryWords(query: string): QueryWord[] {
  const seen = new Set<string>();
  const out: QueryWord[] = [];
  for (const raw of questionWords(query)) {
    if (isStopWord(raw)) continue;
    const term = stem(raw);
    if (seen.has(term)) continue;
    seen.add(term);
    out.push({ raw, term });
  }
  return out;
}

/**
 * Ranks every table for a query (a plain-language question or keywords).
 *
 * 1. Each query word is matched against the catalog's words: table, schema and column names
 *    (split at case changes, separators and digits, and looked into when run together:
 *    `posthistorytypeid`), abbreviations (`qty`, `cust_no`), comments and enum values.
 * 2. BM25 per table over those matches, each weighted by its field and match strength; a bonus
 *    when several query words hit one column, and when the query names every word of the table.
 * 3. Value hints (stored values the question names) add to their tables.
 * 4. Tables next to matched ones in the join graph (declared foreign keys, or joins implied by
 *    names) get a share of their best neighbour's score and, as bridges between two matched
 *    tables, of their second best; every table gets a share of the best score in its schema.
 *
 * Deterministic: ties go by schema, then name. Tables with no score are left out.
 */
export function rankTables(
  source: SchemaSnapshot | RetrievalIndex,
  query: string,
  options: RankOptions = {},
): RankedTable[] {
  const index = "docs" in source ? source : indexOf(source);
  const n = index.docs.length;
  const words = queryWords(query);
  const direct = new Float64Array(n);
  const nameHits = new Map<number, Set<string>>();
  const columnHits = new Map<number, Map<number, number>>();
  const coverage = new Map<string, number>();
  for (const { raw, term } of words) {
    const matches = matchWord(index, raw, term);
    if (matches.length === 0) continue;
    const perDoc = scoreWord(index, matches, nameHits, columnHits);
    let df = 0;
    for (const { strength } of perDoc.values()) df += strength;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const bestHere = new Map<string, number>();
    for (const [doc, { value }] of perDoc) {
      direct[doc] += idf * value;
      const schema = index.tables[doc].schema;
      bestHere.set(schema, Math.max(bestHere.get(schema) ?? 0, value));
    }
    const schemaIdf = Math.log(
      1 + (index.schemaCount - bestHere.size + 0.5) / (bestHere.size + 0.5),
    );
    const meanSize = n / index.schemaCount;
    for (const [schema, s] of bestHere) {
      const norm = 1 - SCHEMA_B + SCHEMA_B * (index.schemaSize.get(schema) ?? 1) / meanSize;
      coverage.set(schema, (coverage.get(schema) ?? 0) + schemaIdf * s / norm);
    }
  }
  for (let doc = 0; doc < n; doc++) {
    if (direct[doc] === 0) continue;
    const name = index.docs[doc].nameWords;
    const hits = nameHits.get(doc);
    if (hits && name.length > 0 && name.every((w) => hits.has(w))) direct[doc] *= FULL_NAME_BONUS;
    let most = 0;
    for (const hits of columnHits.get(doc)?.values() ?? []) most = Math.max(most, hits);
    if (most > 1) direct[doc] *= 1 + SAME_COLUMN_BONUS * (most - 1);
  }
  const valueIdf = Math.log(1 + (n - 0.5) / 1.5) * VALUE_WEIGHT;
  for (const hint of options.values ?? []) {
    const doc = index.byKey.get(`${hint.schema}\u0000${hint.table}`);
    if (doc !== undefined) direct[doc] += valueIdf * Math.max(0, Math.min(1, hint.score));
  }

  const ranked: RankedTable[] = [];
  for (let doc = 0; doc < n; doc++) {
    let first = 0;
    let second = 0;
    for (const other of index.graph.neighbours[doc]) {
      const s = direct[other];
      if (s > first) [first, second] = [s, first];
      else if (s > second) second = s;
    }
    const t = index.tables[doc];
    const matched = direct[doc] > 0 || first > 0;
    const share = matched
      ? COVERAGE_SHARE
      : COVERAGE_SHARE / (1 + UNMATCHED_DECAY * (index.schemaSize.get(t.schema) ?? 1));
    const score = direct[doc] + NEIGHBOUR_SHARE * first + BRIDGE_SHARE * second +
      share * (coverage.get(t.schema) ?? 0);
    if (score > 0) {
      ranked.push({ schema: t.schema, table: t.name, score: Math.round(score * 1000) / 1000 });
    }
  }
  return ranked.sort((a, b) =>
    b.score - a.score || compare(a.schema, b.schema) || compare(a.table, b.table)
  );
}

/**
 * One query word's BM25 contribution per table (before idf): the best of its matches, each
 * saturated by the table's length and scaled by its strength. Records which name words and
 * columns it hit.
 */
function scoreWord(
  index: RetrievalIndex,
  matches: readonly WordMatch[],
  nameHits: Map<number, Set<string>>,
  columnHits: Map<number, Map<number, number>>,
): Map<number, { value: number; strength: number }> {
  const perDoc = new Map<number, { value: number; strength: number }>();
  const hitColumns = new Map<number, Set<number>>();
  for (const { word, strength } of matches) {
    const byDoc = new Map<number, number>();
    for (const p of index.postings.get(word) ?? []) {
      byDoc.set(p.doc, (byDoc.get(p.doc) ?? 0) + p.weight);
      if (p.column >= 0) {
        let cols = hitColumns.get(p.doc);
        if (!cols) hitColumns.set(p.doc, cols = new Set());
        cols.add(p.column);
      } else if (strength >= 0.6 && index.docs[p.doc].nameWords.includes(word)) {
        let hits = nameHits.get(p.doc);
        if (!hits) nameHits.set(p.doc, hits = new Set());
        hits.add(word);
      }
    }
    for (const [doc, tf] of byDoc) {
      const norm = K1 * (1 - B + B * index.docs[doc].length / index.avgLength);
      const value = strength * tf * (K1 + 1) / (tf + norm);
      const prev = perDoc.get(doc);
      if (!prev || prev.value < value) {
        perDoc.set(doc, { value, strength: Math.max(strength, prev?.strength ?? 0) });
      }
    }
  }
  for (const [doc, cols] of hitColumns) {
    let byColumn = columnHits.get(doc);
    if (!byColumn) columnHits.set(doc, byColumn = new Map());
    for (const c of cols) byColumn.set(c, (byColumn.get(c) ?? 0) + 1);
  }
  return perDoc;
}

/** The join-graph neighbours of a table (declared foreign keys and joins implied by names). */
export function neighboursOf(
  snapshot: SchemaSnapshot,
  schema: string,
  table: string,
): { schema: string; table: string }[] {
  const index = indexOf(snapshot);
  const doc = index.byKey.get(`${schema}\u0000${table}`);
  if (doc === undefined) return [];
  return index.graph.neighbours[doc].map((i) => {
    const t = index.tables[i];
    return { schema: t.schema, table: t.name };
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
