import { Lru } from "./lru.ts";
import type { SafeSql, SqlPolicy } from "./validate.ts";

/**
 * The grammar rules' verdict on statements they accepted, by exact text, per policy (one per
 * database): clients repeat their SQL, and parsing and walking it again gives the same answer.
 * Only what depends on the text and the policy alone is kept, so it is safe to reuse:
 * - the blocked functions and hidden patterns are the policy's own (fixed for the process);
 * - the hidden-data rules also depend on the role's search path: each verdict carries the
 *   matcher's generation, and one from an earlier generation is never used;
 * - the catalog rules (VOLATILE functions, which change with the database) are not kept at
 *   all: `checkSql` applies them on every call.
 * Refusals are not kept (they are rare, and each one is counted and logged anew).
 */
export interface StatementMemo {
  get(policy: SqlPolicy, text: string): SafeSql | undefined;
  set(policy: SqlPolicy, text: string, safe: SafeSql): void;
}

export interface StatementMemoOptions {
  /** Statements kept per policy. */
  entries: number;
  /** Longer statements are not kept (bounds the memory: entries × this, at most). */
  maxChars: number;
}

interface Entry {
  safe: SafeSql;
  generation: number;
}

export function createStatementMemo(
  options: StatementMemoOptions = { entries: 256, maxChars: 8_192 },
): StatementMemo {
  const byPolicy = new WeakMap<SqlPolicy, Lru<string, Entry>>();
  const generationOf = (policy: SqlPolicy) => policy.hidden?.generation() ?? 0;
  return {
    get(policy, text) {
      const entries = byPolicy.get(policy);
      const entry = entries?.get(text);
      if (!entry) return undefined;
      if (entry.generation !== generationOf(policy)) {
        entries?.delete(text);
        return undefined;
      }
      return entry.safe;
    },
    set(policy, text, safe) {
      if (text.length > options.maxChars) return;
      let entries = byPolicy.get(policy);
      if (!entries) byPolicy.set(policy, entries = new Lru(options.entries));
      entries.set(text, { safe: frozen(safe), generation: generationOf(policy) });
    },
  };
}

/** The verdict, frozen to its innermost arrays: every later call shares it. */
function frozen(safe: SafeSql): SafeSql {
  return Object.freeze({
    ...safe,
    tables: Object.freeze([...safe.tables]),
    functionNames: Object.freeze([...safe.functionNames]),
    functions: Object.freeze(safe.functions.map((p) => Object.freeze([...p]))),
    operators: Object.freeze(safe.operators.map((p) => Object.freeze([...p]))),
    fieldNames: Object.freeze([...safe.fieldNames]),
  }) as SafeSql;
}
