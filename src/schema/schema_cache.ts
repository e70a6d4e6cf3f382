import type { Result } from "../errors.ts";
import type { SchemaSnapshot } from "./types.ts";

export interface SchemaCache {
  /** The cached snapshot, loading it when absent or expired; concurrent callers share one load. */
  get(): Promise<Result<SchemaSnapshot>>;
  /** Forgets the snapshot and loads it again. */
  refresh(): Promise<Result<SchemaSnapshot>>;
}

export interface SchemaCacheOptions {
  load: () => Promise<Result<SchemaSnapshot>>;
  enabled: boolean;
  ttlMs: number;
  now: () => number;
}

export function createSchemaCache(options: SchemaCacheOptions): SchemaCache {
  let current: { snapshot: SchemaSnapshot; at: number } | undefined;
  let loading: Promise<Result<SchemaSnapshot>> | undefined;

  const load = () => {
    loading ??= options.load().then((result) => {
      if (result.ok && options.enabled) {
        current = { snapshot: result.value, at: options.now() };
      }
      return result;
    }).finally(() => {
      loading = undefined;
    });
    return loading;
  };

  return {
    get() {
      if (current && options.now() - current.at < options.ttlMs) {
        return Promise.resolve({ ok: true, value: current.snapshot });
      }
      return load();
    },
    refresh() {
      current = undefined;
      return load();
    },
  };
}
