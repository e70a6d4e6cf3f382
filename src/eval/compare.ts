/** A result as rows of values in column order (what `data` of an answer holds). */
export interface ResultTable {
  columns: readonly unknown[];
  rows: readonly (readonly unknown[])[];
}

export interface Comparison {
  match: boolean;
  /** Why the results differ, when they do. */
  reason?: string;
}

/**
 * Execution match: the same rows with the same values. Column names are ignored (aliases differ)
 * and columns may come in another order; row order counts only when `orderMatters`. Numbers
 * compare by value (int8/numeric arrive as strings), to 6 decimal places.
 */
export function compareResults(
  gold: ResultTable,
  got: ResultTable,
  orderMatters: boolean,
): Comparison {
  const g = table(gold);
  const p = table(got);
  const gWidth = gold.columns.length;
  const pWidth = got.columns.length;
  if (gWidth !== pWidth) {
    return { match: false, reason: `${pWidth} columns instead of ${gWidth}` };
  }
  if (g.length !== p.length) {
    return { match: false, reason: `${p.length} rows instead of ${g.length}` };
  }
  for (const order of columnOrders(g, p, gWidth)) {
    const reordered = p.map((row) => order.map((i) => row[i]));
    if (sameRows(g, reordered, orderMatters)) return { match: true };
  }
  return { match: false, reason: orderMatters ? "different rows or order" : "different rows" };
}

/** Each row as normalized value keys, in column order. */
function table(result: ResultTable): string[][] {
  return result.rows.map((r) => result.columns.map((_, i) => normalize(r[i])));
}

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A canonical text for a value: numbers by value, everything else typed. */
export function normalize(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || (typeof value === "string" && NUMERIC.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n)) return `s:${value}`;
    return `n:${Number.isInteger(n) ? n : Number(n.toFixed(6))}`;
  }
  if (typeof value === "boolean") return `b:${value}`;
  if (typeof value === "string") return `s:${value}`;
  return `j:${JSON.stringify(sortKeys(value))}`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** The identity order, then (if different) got's columns matched to gold's by their values. */
function columnOrders(g: string[][], p: string[][], width: number): number[][] {
  const identity = [...Array(width).keys()];
  const signature = (rows: string[][], i: number) => rows.map((r) => r[i]).sort().join("\u0000");
  const pSigs = identity.map((i) => signature(p, i));
  const used = new Set<number>();
  const matched: number[] = [];
  for (const i of identity) {
    const sig = signature(g, i);
    const j = pSigs[i] === sig && !used.has(i)
      ? i
      : pSigs.findIndex((s, k) => s === sig && !used.has(k));
    if (j < 0) return [identity];
    used.add(j);
    matched.push(j);
  }
  return matched.every((j, i) => j === i) ? [identity] : [identity, matched];
}

function sameRows(g: string[][], p: string[][], orderMatters: boolean): boolean {
  const keys = (rows: string[][]) => rows.map((r) => JSON.stringify(r));
  const a = keys(g);
  const b = keys(p);
  if (!orderMatters) {
    a.sort();
    b.sort();
  }
  return a.every((k, i) => k === b[i]);
}
