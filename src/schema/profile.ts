import { ok, type Result } from "../errors.ts";
import { type CatalogReader, type ColumnFilter, quoteName } from "./catalog_reader.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "./types.ts";

/**
 * A database profile: per column, the null fraction, the number of distinct values, the most
 * common values and the histogram bounds, read from `pg_stats` where the role may read them
 * (one statement for the whole catalog), else measured on a bounded sample of the table (one
 * statement per table: at most `sampleRows` rows, a `TABLESAMPLE SYSTEM` of big tables).
 * Everything is bounded: tables, columns per table, values per column and their length, bytes
 * in all, and time. Hidden columns are never read: the SQL only names the columns it may.
 */

export interface ColumnProfile {
  /** `pg_stats` (ANALYZE's estimates) or `sample` (measured on at most `sampleRows` rows). */
  source: "pg_stats" | "sample";
  /** 0..1. */
  nullFraction?: number;
  /** Estimated distinct non-null values. */
  distinct?: number;
  /** Most common values first, as text (each cut to `maxValueLength`). */
  commonValues?: string[];
  /** Their frequencies (0..1 of all rows), in the same order. */
  commonFrequencies?: number[];
  /** Bounds of equal-population buckets, lowest first (`pg_stats` only). */
  histogramBounds?: string[];
}

export interface DatabaseProfile {
  /** By `profileKey(schema, table, column)`. */
  readonly columns: ReadonlyMap<string, ColumnProfile>;
  readonly stats: ProfileStats;
}

export interface ProfileStats {
  fromStats: number;
  sampled: number;
  /** Tables whose sample failed (permission, timeout): their columns have no profile. */
  failedTables: number;
  /** A cap or the time budget left columns out. */
  truncated: boolean;
  /** Approximate size of the profile (JSON bytes). */
  bytes: number;
  ms: number;
}

export interface ProfileOptions {
  /** Tables profiled at most (default 1,000); small tables first. */
  maxTables?: number;
  /** Columns per table at most (default 100). */
  maxColumnsPerTable?: number;
  /** Most common values kept per column (default 20). */
  maxValuesPerColumn?: number;
  /** Histogram bounds kept per column, evenly spaced (default 11). */
  maxHistogramBounds?: number;
  /** Characters kept per value (default 60). */
  maxValueLength?: number;
  /** Profile size cap, JSON bytes (default 2,000,000). */
  maxBytes?: number;
  /** Rows read per table for a column `pg_stats` does not describe (default 10,000). */
  sampleRows?: number;
  /** Stop sampling after this long (ms, default 30,000). */
  timeBudgetMs?: number;
  /** Columns to leave out (hidden columns): never named in any statement. */
  skipColumn?: ColumnFilter;
  now?: () => number;
}

const DEFAULTS = {
  maxTables: 1_000,
  maxColumnsPerTable: 100,
  maxValuesPerColumn: 20,
  maxHistogramBounds: 11,
  maxValueLength: 60,
  maxBytes: 2_000_000,
  sampleRows: 10_000,
  timeBudgetMs: 30_000,
};

export function profileKey(schema: string, table: string, column: string): string {
  return `${schema}\u0000${table}\u0000${column}`;
}

export function profileOf(
  profile: DatabaseProfile,
  schema: string,
  table: string,
  column: string,
): ColumnProfile | undefined {
  return profile.columns.get(profileKey(schema, table, column));
}

/**
 * `pg_stats` for the given columns only (three parallel arrays: schemas, tables, columns), the
 * partitioned parent's inherited row first. Value arrays come back as JSON arrays of text, cut
 * to `$4` entries of `$5` characters.
 */
export const PG_STATS_SQL = `
SELECT s.schemaname AS schema, s.tablename AS table, s.attname AS column, s.null_frac,
  s.n_distinct,
  (SELECT json_agg(left(v, $5) ORDER BY o) FROM unnest(s.most_common_vals::text::text[])
    WITH ORDINALITY u(v, o) WHERE o <= $4) AS common_values,
  (SELECT json_agg(f ORDER BY o) FROM unnest(s.most_common_freqs) WITH ORDINALITY u(f, o)
    WHERE o <= $4) AS common_freqs,
  (SELECT json_agg(left(v, $5) ORDER BY o) FROM unnest(s.histogram_bounds::text::text[])
    WITH ORDINALITY u(v, o)) AS histogram
FROM pg_stats s
JOIN unnest($1::text[], $2::text[], $3::text[]) AS w(s, t, c)
  ON w.s = s.schemaname AND w.t = s.tablename AND w.c = s.attname
ORDER BY s.schemaname, s.tablename, s.attname, s.inherited DESC`;

interface StatsRow {
  schema: string;
  table: string;
  column: string;
  null_frac: number | null;
  n_distinct: number | null;
  common_values: string[] | null;
  common_freqs: number[] | null;
  histogram: string[] | null;
}

/** Reads the profile; a failed `pg_stats` read falls back to sampling every table. */
export async function buildProfile(
  reader: CatalogReader,
  snapshot: SchemaSnapshot,
  options: ProfileOptions = {},
): Promise<Result<DatabaseProfile>> {
  const cfg = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const started = now();
  const stats: ProfileStats = {
    fromStats: 0,
    sampled: 0,
    failedTables: 0,
    truncated: false,
    bytes: 0,
    ms: 0,
  };
  const columns = new Map<string, ColumnProfile>();
  const tables = [...snapshot.tables]
    .sort((a, b) => (a.estimatedRows ?? 0) - (b.estimatedRows ?? 0));
  if (tables.length > cfg.maxTables) stats.truncated = true;
  const wanted = new Map<TableInfo, ColumnInfo[]>();
  for (const t of tables.slice(0, cfg.maxTables)) {
    const visible = t.columns.filter((c) => !options.skipColumn?.(t.schema, t.name, c.name));
    if (visible.length > cfg.maxColumnsPerTable) stats.truncated = true;
    if (visible.length > 0) wanted.set(t, visible.slice(0, cfg.maxColumnsPerTable));
  }
  const keep = (key: string, profile: ColumnProfile): boolean => {
    const bytes = key.length + JSON.stringify(profile).length;
    if (stats.bytes + bytes > cfg.maxBytes) {
      stats.truncated = true;
      return false;
    }
    stats.bytes += bytes;
    columns.set(key, profile);
    return true;
  };

  const names: [string[], string[], string[]] = [[], [], []];
  for (const [t, cols] of wanted) {
    for (const c of cols) {
      names[0].push(t.schema);
      names[1].push(t.name);
      names[2].push(c.name);
    }
  }
  const read = await reader.catalog<StatsRow>(PG_STATS_SQL, [
    ...names,
    cfg.maxValuesPerColumn,
    cfg.maxValueLength,
  ]);
  const rowsByTable = new Map<string, number | undefined>(
    snapshot.tables.map((t) => [`${t.schema}\u0000${t.name}`, t.estimatedRows]),
  );
  for (const row of read.ok ? read.value : []) {
    const key = profileKey(row.schema, row.table, row.column);
    if (columns.has(key)) continue; // the inherited row came first
    const rows = rowsByTable.get(`${row.schema}\u0000${row.table}`);
    const profile: ColumnProfile = { source: "pg_stats" };
    if (row.null_frac !== null) profile.nullFraction = round(Number(row.null_frac));
    const distinct = distinctCount(row.n_distinct, rows);
    if (distinct !== undefined) profile.distinct = distinct;
    if (row.common_values?.length) {
      profile.commonValues = row.common_values;
      profile.commonFrequencies = (row.common_freqs ?? []).map((f) => round(Number(f)));
    }
    if (row.histogram?.length) {
      profile.histogramBounds = spaced(row.histogram, cfg.maxHistogramBounds);
    }
    if (keep(key, profile)) stats.fromStats++;
  }

  for (const [t, cols] of wanted) {
    const missing = cols.filter((c) => !columns.has(profileKey(t.schema, t.name, c.name)));
    if (missing.length === 0) continue;
    if (now() - started > cfg.timeBudgetMs) {
      stats.truncated = true;
      break;
    }
    const sample = await reader.catalog<{ a: SampleDocument }>(
      sampleSql(t, missing, cfg.sampleRows),
      [cfg.sampleRows, cfg.maxValuesPerColumn, cfg.maxValueLength],
    );
    if (!sample.ok) {
      stats.failedTables++;
      continue;
    }
    const [total, ...perColumn] = sample.value[0].a;
    missing.forEach((c, i) => {
      const [nonNull, distinct, common] = perColumn[i];
      const profile: ColumnProfile = { source: "sample" };
      if (total > 0) profile.nullFraction = round(1 - nonNull / total);
      profile.distinct = distinct;
      if (common?.length) {
        profile.commonValues = common.map(([v]) => v);
        profile.commonFrequencies = common.map(([, n]) => round(n / total));
      }
      if (keep(profileKey(t.schema, t.name, c.name), profile)) stats.sampled++;
    });
  }
  stats.ms = now() - started;
  return ok({ columns, stats });
}

/** `[rows, [non-null, distinct, [[value, count], ...] | null], ...]` per sampled column. */
type SampleDocument = [number, ...[number, number, [string, number][] | null][]];

/**
 * One statement per table: at most `$1` rows (a block sample of a table estimated larger), and
 * per column the non-null count, the distinct count and the `$2` most common values (as text,
 * `$3` characters).
 */
export function sampleSql(
  t: TableInfo,
  columns: readonly ColumnInfo[],
  sampleRows: number,
): string {
  const rows = t.estimatedRows ?? 0;
  const percent = rows > sampleRows ? Math.max(0.01, Math.min(100, (200 * sampleRows) / rows)) : 0;
  const tablesample = percent > 0 ? ` TABLESAMPLE SYSTEM (${percent.toFixed(4)})` : "";
  const aliases = columns.map((_, i) => `c${i}`);
  const select = columns.map((c, i) => `${quoteName(c.name)} AS ${aliases[i]}`).join(", ");
  const parts = aliases.map((a) =>
    `json_build_array(count(${a}), count(DISTINCT ${a}::text), (SELECT json_agg(json_build_array(v, n)) FROM (SELECT left(${a}::text, $3) AS v, count(*) AS n FROM s WHERE ${a} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2) m))`
  );
  return `WITH s AS MATERIALIZED (
  SELECT ${select} FROM ${quoteName(t.schema)}.${quoteName(t.name)}${tablesample} LIMIT $1
)
SELECT json_build_array(count(*), ${parts.join(",\n  ")}) AS a FROM s`;
}

function distinctCount(nDistinct: number | null, rows: number | undefined): number | undefined {
  if (nDistinct === null) return undefined;
  const n = Number(nDistinct);
  if (n >= 0) return Math.round(n);
  return rows !== undefined ? Math.max(1, Math.round(-n * rows)) : undefined;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** At most `max` items, evenly spaced, first and last kept. */
function spaced<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return items.slice(0, max);
  return Array.from(
    { length: max },
    (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))],
  );
}

export interface HintOptions {
  /** A text column with at most this many distinct values lists them (default 30). */
  maxDistinct?: number;
  /** Values listed at most (default 12). */
  maxValues?: number;
  /** Hint length at most, characters (default 200). */
  maxChars?: number;
}

const TEXTUAL = /^(text|character varying|varchar|character|char|citext|bpchar|name)\b/;
const ORDERED = /^(smallint|integer|bigint|numeric|real|double|date|time|timestamp|interval)/;

/**
 * A one-line hint for the prompt, from a column's profile: the values of a low-cardinality text
 * column (`values: 'Rock', 'Jazz', 'Metal', … (25 distinct)`), else two examples of a text
 * column (its format: `e.g. '2012-08-24', '1998-10-14'`), or the range of a number or date
 * column (`range 1..5286953`). Undefined when the profile says nothing useful. Enum columns are
 * left to the renderer, which lists their labels.
 */
export function renderProfileHint(
  column: ColumnInfo,
  profile: ColumnProfile | undefined,
  options: HintOptions = {},
): string | undefined {
  if (!profile || column.enumType) return undefined;
  const maxDistinct = options.maxDistinct ?? 30;
  const maxValues = options.maxValues ?? 12;
  const maxChars = options.maxChars ?? 200;
  const quote = (v: string) => `'${v.replaceAll("'", "''").replace(/\s+/g, " ")}'`;
  const values = profile.commonValues ?? [];
  if (TEXTUAL.test(column.type) && values.length > 0) {
    const distinct = profile.distinct;
    if (distinct !== undefined && distinct <= maxDistinct) {
      const shown: string[] = [];
      let length = 8;
      for (const v of values.slice(0, maxValues)) {
        const q = quote(v);
        if (length + q.length + 2 > maxChars - 20) break;
        shown.push(q);
        length += q.length + 2;
      }
      if (shown.length === 0) return undefined;
      const more = Math.max(distinct, values.length) > shown.length;
      return `values: ${shown.join(", ")}${more ? `, … (${distinct} distinct)` : ""}`;
    }
    return `e.g. ${values.slice(0, 2).map((v) => quote(v.slice(0, 40))).join(", ")}`;
  }
  if (ORDERED.test(column.type) && profile.histogramBounds?.length) {
    const b = profile.histogramBounds;
    return `range ${b[0].slice(0, 40)}..${b[b.length - 1].slice(0, 40)}`;
  }
  return undefined;
}

/** A `ColumnHint` for `renderTable`/`buildSchemaContext` from a profile. */
export function profileHints(
  profile: DatabaseProfile,
  options: HintOptions = {},
): (table: TableInfo, column: ColumnInfo) => string | undefined {
  return (t, c) => renderProfileHint(c, profileOf(profile, t.schema, t.name, c.name), options);
}
