import { abbreviates, ABBREVIATIONS, expansionsOf } from "./abbreviations.ts";
import { buildJoinGraph, type JoinGraph } from "./join_graph.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";
import { fold, isStopWord, segment, splitWords, stem, terms } from "./words.ts";

/**
 * The search index of one schema snapshot: built once (a few tens of milliseconds for a
 * thousand tables), then every question is ranked against it in about a millisecond. Immutable
 * but for a bounded cache of how query words match the catalog's words.
 */
export interface RetrievalIndex {
  readonly tables: readonly TableInfo[];
  readonly docs: readonly TableDoc[];
  /** Catalog word → where it occurs. */
  readonly postings: ReadonlyMap<string, readonly Posting[]>;
  /** Words that occur on their own somewhere (separated name parts, comments, values). */
  readonly vocabulary: ReadonlySet<string>;
  readonly avgLength: number;
  /** Number of distinct schemas. */
  readonly schemaCount: number;
  /** Tables per schema. */
  readonly schemaSize: ReadonlyMap<string, number>;
  readonly graph: JoinGraph;
  /** `schema\0table` → index in `tables`. */
  readonly byKey: ReadonlyMap<string, number>;
  /** Query word → the catalog words it matches (bounded). */
  readonly matchCache: Map<string, readonly WordMatch[]>;
}

export interface TableDoc {
  /** Weighted number of words: the length BM25 normalizes by. */
  readonly length: number;
  /** Words of the table's name: all of them in a question is a strong sign. */
  readonly nameWords: readonly string[];
}

export interface Posting {
  readonly doc: number;
  /** Column index, or -1 for the table's own name, schema and comment. */
  readonly column: number;
  /** Field weight times occurrences. */
  readonly weight: number;
}

export interface WordMatch {
  readonly word: string;
  /** 1 for the same word; less for a compound, a prefix or an abbreviation. */
  readonly strength: number;
}

/** A word in the table's name says more than one in a column comment. */
export const FIELD_WEIGHTS = {
  table: 3,
  schema: 1,
  tableComment: 1.5,
  column: 1,
  columnComment: 0.5,
  enumValue: 0.5,
};
/** Weight of the words an abbreviation stands for, relative to the name part itself. */
const EXPANSION_WEIGHT = 0.8;

/** Match strengths of a query word against a catalog word. */
export const MATCH = {
  exact: 1,
  /** A part of a compound name (`race` in `raceid`, `history` in `posthistorytypeid`). */
  compound: 0.8,
  /** Inside a compound whose other part is not a known word. */
  infix: 0.6,
  /** One is a prefix of the other (`weigh` and `weight`). */
  prefix: 0.5,
  /** Letters dropped (`tst` for test). */
  abbreviation: 0.6,
};
const PREFIX_MIN = 4;
const MATCH_CACHE_MAX = 4096;
const KEY_PARTS = new Set(["id", "key", "code", "no", "num", "number", "ref"]);

export function buildRetrievalIndex(snapshot: SchemaSnapshot): RetrievalIndex {
  const enumValues = new Map(
    (snapshot.enums ?? []).map((e) => [`${e.schema}.${e.name}`, e.values]),
  );
  const tables = snapshot.tables;
  const vocabulary = collectVocabulary(snapshot, enumValues);
  const isWord = (piece: string) =>
    piece.length >= 3
      ? vocabulary.has(piece) || vocabulary.has(stem(piece))
      : SHORT_WORDS.has(piece);
  const postings = new Map<string, Posting[]>();
  const docs: TableDoc[] = tables.map((table, doc) => {
    let length = 0;
    const local = new Map<string, number>();
    const add = (word: string, column: number, weight: number) => {
      const key = `${column}\u0000${word}`;
      local.set(key, (local.get(key) ?? 0) + weight);
      length += weight;
    };
    const addText = (text: string | undefined, column: number, weight: number) => {
      if (!text) return;
      for (const word of terms(text)) add(word, column, weight);
    };
    const addName = (name: string, column: number, weight: number) => {
      for (const w of nameWords(name, vocabulary, isWord)) add(w.word, column, weight * w.weight);
    };
    addName(table.name, -1, FIELD_WEIGHTS.table);
    addName(table.schema, -1, FIELD_WEIGHTS.schema);
    addText(table.comment, -1, FIELD_WEIGHTS.tableComment);
    table.columns.forEach((c, i) => {
      addName(c.name, i, FIELD_WEIGHTS.column);
      addText(c.comment, i, FIELD_WEIGHTS.columnComment);
      const values = c.enumType ? enumValues.get(c.enumType) : undefined;
      for (const v of values ?? []) addText(v, i, FIELD_WEIGHTS.enumValue);
    });
    for (const [key, weight] of local) {
      const [column, word] = key.split("\u0000");
      let list = postings.get(word);
      if (!list) postings.set(word, list = []);
      list.push({ doc, column: Number(column), weight });
    }
    return {
      length,
      nameWords: [...new Set(nameWords(table.name, vocabulary, isWord).map((w) => w.word))],
    };
  });
  const avgLength = docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, docs.length);
  return {
    tables,
    docs,
    postings,
    vocabulary,
    avgLength,
    schemaCount: new Set(tables.map((t) => t.schema)).size,
    schemaSize: tables.reduce((m, t) => m.set(t.schema, (m.get(t.schema) ?? 0) + 1), new Map()),
    graph: buildJoinGraph(tables),
    byKey: new Map(tables.map((t, i) => [`${t.schema}\u0000${t.name}`, i])),
    matchCache: new Map(),
  };
}

/** Two-letter name parts that are words of their own in database names. */
const SHORT_WORDS = new Set(["id", "no", "nr", "dt", "yr", "mo", "wk", "hr", "ts", "st", "co"]);

/**
 * The catalog's own words: name parts written apart (`player_name`, `firstName`), words of
 * comments and enum values, and what the abbreviation table expands to. Run-together names are
 * split with these.
 */
function collectVocabulary(
  snapshot: SchemaSnapshot,
  enumValues: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const vocabulary = new Set<string>();
  const addWords = (words: string[]) => {
    for (const w of words) {
      if (w.length >= 3 && !/^\d/.test(w)) vocabulary.add(w);
    }
  };
  const addName = (name: string) => {
    const words = splitWords(name);
    if (words.length > 1) addWords(words);
  };
  for (const t of snapshot.tables) {
    addName(t.name);
    addWords(splitWords(t.comment ?? ""));
    for (const c of t.columns) {
      addName(c.name);
      addWords(splitWords(c.comment ?? ""));
    }
  }
  for (const values of enumValues.values()) for (const v of values) addWords(splitWords(v));
  for (const long of ABBREVIATIONS.values()) addWords([...long]);
  return vocabulary;
}

/** How much a split-off piece of a run-together name weighs, relative to a part written apart. */
const PIECE_WEIGHT = 1;

/**
 * A name's words (stemmed) with their weights: each part, what an abbreviation stands for
 * (`cust_no` → customer, number), and the pieces of a run-together part (`laptimes` → lap,
 * time), the part itself kept too.
 */
function nameWords(
  name: string,
  vocabulary: ReadonlySet<string>,
  isWord: (piece: string) => boolean,
): { word: string; weight: number }[] {
  const out: { word: string; weight: number }[] = [];
  const part = (word: string, weight: number) => {
    if (!isStopWord(word)) out.push({ word: stem(word), weight });
    for (const long of expansionsOf(word)) {
      out.push({ word: stem(long), weight: weight * EXPANSION_WEIGHT });
    }
  };
  const whole = fold(name).split(/[^\p{L}\p{N}]+/u);
  for (const token of whole) {
    if (/\p{L}/u.test(token) && /\p{N}/u.test(token)) out.push({ word: token, weight: 1 });
  }
  for (const word of splitWords(name)) {
    part(word, 1);
    if (vocabulary.has(word) || vocabulary.has(stem(word))) continue;
    for (const piece of segment(word, isWord) ?? []) {
      if (!/^\d+$/.test(piece)) part(piece, PIECE_WEIGHT);
    }
  }
  return out;
}

/**
 * The catalog words a query word matches, strongest first: the same word (after stemming), a
 * part of a compound name, a prefix relative, or a name part that abbreviates it. `raw` is the
 * word as written in the question, `term` its stem.
 */
export function matchWord(index: RetrievalIndex, raw: string, term: string): readonly WordMatch[] {
  const cached = index.matchCache.get(term);
  if (cached) return cached;
  const found = new Map<string, number>();
  const put = (word: string, strength: number) => {
    if ((found.get(word) ?? 0) < strength) found.set(word, strength);
  };
  if (index.postings.has(term)) put(term, MATCH.exact);
  // One or two letters or digits say too little to look for inside other words.
  for (const word of term.length < 3 ? [] : index.postings.keys()) {
    if (word === term || word.length < 3) continue;
    const strength = relate(index.vocabulary, word, term, raw);
    if (strength > 0) put(word, strength);
  }
  const matches = [...found].map(([word, strength]) => ({ word, strength }))
    .sort((a, b) => b.strength - a.strength || (a.word < b.word ? -1 : 1));
  if (index.matchCache.size >= MATCH_CACHE_MAX) index.matchCache.clear();
  index.matchCache.set(term, matches);
  return matches;
}

/** How a catalog word relates to a query word (0: not at all). */
function relate(vocabulary: ReadonlySet<string>, word: string, term: string, raw: string): number {
  if (word.length > term.length) {
    const at = word.indexOf(term);
    if (at === 0) {
      const rest = word.slice(term.length);
      if (isKnownPart(vocabulary, rest)) return MATCH.compound;
      if (term.length >= PREFIX_MIN) return MATCH.prefix;
    } else if (at > 0 && term.length >= 3) {
      const before = word.slice(0, at);
      const after = word.slice(at + term.length);
      const known = isKnownPart(vocabulary, before) &&
        (after === "" || isKnownPart(vocabulary, after));
      if (known) return MATCH.compound;
      if (term.length >= 5 && word.lastIndexOf(term) === at) return MATCH.infix;
    }
  } else if (term.length > word.length) {
    if (word.length >= PREFIX_MIN && term.startsWith(word)) return MATCH.prefix;
    if (mayAbbreviate(vocabulary, word) && abbreviates(word, raw)) return MATCH.abbreviation;
  }
  return 0;
}

/** A piece of a compound that is a word of its own (or digits, or a key suffix like `id`). */
function isKnownPart(vocabulary: ReadonlySet<string>, part: string): boolean {
  if (/^\d+$/.test(part) || KEY_PARTS.has(part)) return true;
  if (part.length < 3) return false;
  return vocabulary.has(part) || vocabulary.has(stem(part));
}

/**
 * A catalog word that may be an abbreviation: not a word the catalog uses on its own, or one
 * with no vowel after its first letter (`tst`, `mgr`, `cnt`), whichever way it was written.
 */
function mayAbbreviate(vocabulary: ReadonlySet<string>, word: string): boolean {
  return !vocabulary.has(word) || !/[aeiou]/.test(word.slice(1));
}
