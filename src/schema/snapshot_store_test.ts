import assert from "node:assert/strict";
import { ok } from "../errors.ts";
import { type CacheEntry, createSchemaCache } from "./schema_cache.ts";
import { createSnapshotStore } from "./snapshot_store.ts";
import type { SchemaSnapshot } from "./types.ts";

Deno.test("CACHE_MAX_SIZE bounds the snapshots of every database together, least recently used first", async () => {
  const evicted: string[] = [];
  const store = createSnapshotStore<CacheEntry>(2, (key) => evicted.push(key.split("\u0000")[0]));
  const loads: string[] = [];
  const cacheOf = (name: string) =>
    createSchemaCache({
      load: () => {
        loads.push(name);
        const snapshot: SchemaSnapshot = { database: name, tables: [], loadedAt: 0 };
        return Promise.resolve(ok(snapshot));
      },
      enabled: true,
      ttlMs: 60_000,
      store,
      namespace: name,
      now: () => 0,
    });
  const sales = cacheOf("sales");
  const hr = cacheOf("hr");
  const music = cacheOf("music");
  await sales.get();
  await hr.get();
  await sales.get(); // sales is now the most recently used
  assert.deepEqual(loads, ["sales", "hr"]);
  await music.get(); // a third entry: hr, the least recently used, goes
  assert.deepEqual(evicted, ["hr"]);
  assert.equal(store.size, 2);
  await sales.get();
  await hr.get();
  assert.deepEqual(loads, ["sales", "hr", "music", "hr"], "sales was kept, hr loaded again");
});
