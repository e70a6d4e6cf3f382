import type { ReadResult } from "../db/read_executor.ts";
import type { GeneratedSql } from "../pipeline/generate_sql.ts";

/** One candidate SQL and what running it gave. */
export interface Candidate {
  generated: GeneratedSql;
  rows?: ReadResult;
  /** Why it could not run (it does not vote). */
  error?: { code: string; message: string };
}

/** What the answer reports about each candidate. */
export interface CandidateReport {
  sql: string;
  /** Same fingerprint, same result (rows compared as a multiset, columns by position). */
  result_fingerprint?: string;
  votes: number;
  error?: { code: string; message: string };
}

export interface Vote {
  winner: Candidate;
  /** Candidates whose result equals the winner's (the winner included). */
  votes: number;
  /** Candidates that ran. */
  voters: number;
  reports: CandidateReport[];
}

/**
 * Groups the candidates that ran by result; the largest group wins; a tie goes to the group
 * whose best member the model was most confident in, then to the cheaper plan (`cost`).
 */
export async function vote(
  candidates: readonly Candidate[],
  cost: (candidate: Candidate) => Promise<number>,
): Promise<Vote | undefined> {
  const groups = new Map<string, Candidate[]>();
  const fingerprints = new Map<Candidate, string>();
  for (const c of candidates) {
    if (!c.rows) continue;
    const key = await resultFingerprint(c.rows);
    fingerprints.set(c, key);
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  }
  if (groups.size === 0) return undefined;
  const confidence = (g: Candidate[]) => Math.max(...g.map((c) => c.generated.confidence ?? 0));
  let ranked = [...groups.values()].sort((a, b) =>
    b.length - a.length || confidence(b) - confidence(a)
  );
  const top = ranked.filter((g) =>
    g.length === ranked[0].length && confidence(g) === confidence(ranked[0])
  );
  if (top.length > 1) {
    const costs = await Promise.all(top.map((g) => cost(g[0])));
    const cheapest = top[costs.indexOf(Math.min(...costs))];
    ranked = [cheapest, ...ranked.filter((g) => g !== cheapest)];
  }
  const best = ranked[0];
  const winner = best.reduce((a, b) =>
    (b.generated.confidence ?? 0) > (a.generated.confidence ?? 0) ? b : a
  );
  return {
    winner,
    votes: best.length,
    voters: fingerprints.size,
    reports: candidates.map((c) => {
      const key = fingerprints.get(c);
      return {
        sql: c.generated.sql,
        ...(key ? { result_fingerprint: key, votes: groups.get(key)!.length } : { votes: 0 }),
        ...(c.error ? { error: c.error } : {}),
      };
    }),
  };
}

/** A short hash of a result: its width and its rows as a sorted multiset of JSON texts. */
export async function resultFingerprint(rows: ReadResult): Promise<string> {
  const lines = rows.rows.pieces().sort();
  const text = `${rows.columns.length}\n${lines.join("\n")}`;
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return Array.from(hash.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Points a split vote takes off the confidence: 30 × the share of candidates that disagree. */
export function disagreementPenalty(votes: number, voters: number): number {
  return voters <= 1 ? 0 : Math.round(30 * (1 - votes / voters));
}
