import type { Result } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { CatalogReader, ColumnFilter } from "./catalog_reader.ts";
import { buildProfile, type DatabaseProfile } from "./profile.ts";
import type { SchemaSnapshot } from "./types.ts";
import { buildValueIndex, type ValueIndex } from "./value_index.ts";

/**
 * What pg-mcp learns about a database's data beyond its catalog: the column profile and the
 * index of short text values. Both belong to one schema snapshot (a new snapshot builds them
 * again), are built once in the background, bounded in size and time, and never read hidden
 * columns.
 */
export interface SchemaInsights {
  /** Starts building both for `snapshot` (idempotent). */
  warm(snapshot: SchemaSnapshot): void;
  profile(snapshot: SchemaSnapshot): Promise<Result<DatabaseProfile>>;
  values(snapshot: SchemaSnapshot): Promise<Result<ValueIndex>>;
}

export interface InsightsOptions {
  reader: CatalogReader;
  log: Logger;
  /** Hidden columns (SECURITY_HIDDEN_COLUMNS): never profiled, never indexed. */
  skipColumn?: ColumnFilter;
}

interface Built {
  profile?: Promise<Result<DatabaseProfile>>;
  values?: Promise<Result<ValueIndex>>;
}

export function createSchemaInsights(options: InsightsOptions): SchemaInsights {
  const built = new WeakMap<SchemaSnapshot, Built>();
  const entry = (snapshot: SchemaSnapshot) => {
    let e = built.get(snapshot);
    if (!e) built.set(snapshot, e = {});
    return e;
  };
  const profile = (snapshot: SchemaSnapshot) => {
    const e = entry(snapshot);
    e.profile ??= buildProfile(options.reader, snapshot, { skipColumn: options.skipColumn })
      .then((r) => {
        if (r.ok) options.log.debug("schema.profiled", { ...r.value.stats });
        else options.log.warn("schema.profile_failed", { code: r.error.code });
        return r;
      });
    return e.profile;
  };
  const values = (snapshot: SchemaSnapshot) => {
    const e = entry(snapshot);
    e.values ??= buildValueIndex(options.reader, snapshot, { skipColumn: options.skipColumn })
      .then((r) => {
        if (r.ok) options.log.debug("schema.values_indexed", { ...r.value.stats });
        else options.log.warn("schema.values_failed", { code: r.error.code });
        return r;
      });
    return e.values;
  };
  return {
    warm(snapshot) {
      void profile(snapshot);
      void values(snapshot);
    },
    profile,
    values,
  };
}
