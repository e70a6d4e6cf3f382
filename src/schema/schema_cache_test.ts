import assert from "node:assert/strict";
import { fail, ok, type Result } from "../errors.ts";
import { createSchemaCache, type SchemaScope, scopeKey } from "./schema_cache.ts";
import type { SchemaSnapshot } from "./types.ts";

function harness(opts: { enabled?: boolean; maxSize?: number; fingerprint?: boolean } = {}) {
  let t = 0;
  let version = 1;
  const loads: SchemaScope[] = [];
  let fingerprints = 0;
  const cache = createSchemaCache({
    load: (scope) => {
      loads.push(scope);
      const snapshot: SchemaSnapshot = {
        database: "db",
        tables: [],
        loadedAt: t,
        fingerprint: `v${version}`,
      };
      return new Promise((resolve) => setTimeout(() => resolve(ok(snapshot)), 5));
    },
    fingerprint: opts.fingerprint === false ? undefined : () => {
      fingerprints++;
      return Promise.resolve(ok(`v${version}`));
    },
    enabled: opts.enabled ?? true,
    ttlMs: 60_000,
    maxSize: opts.maxSize ?? 100,
    checkIntervalMs: 1_000,
    now: () => t,
  });
  return {
    cache,
    loads,
    fingerprints: () => fingerprints,
    tick: (ms: number) => (t += ms),
    ddl: () => version++,
  };
}

Deno.test("SchemaCache.get() shares one load between concurrent callers", async () => {
  const h = harness();
  const results = await Promise.all([h.cache.get(), h.cache.get(), h.cache.get()]);
  assert.equal(h.loads.length, 1);
  assert.ok(results.every((r) => r.ok && r.value === (results[0] as { value: unknown }).value));
});

Deno.test("SchemaCache.get() reloads after the TTL, not before", async () => {
  const h = harness({ fingerprint: false });
  await h.cache.get();
  h.tick(59_999);
  await h.cache.get();
  assert.equal(h.loads.length, 1);
  h.tick(1);
  await h.cache.get();
  assert.equal(h.loads.length, 2);
});

Deno.test("SchemaCache.get() asks the fingerprint at most once per interval and reloads on change", async () => {
  const h = harness();
  await h.cache.get();
  await h.cache.get();
  assert.equal(h.fingerprints(), 0, "within the interval: memory only");
  h.tick(1_000);
  await h.cache.get();
  assert.equal(h.fingerprints(), 1);
  assert.equal(h.loads.length, 1, "same fingerprint: no reload");
  h.ddl();
  await h.cache.get();
  assert.equal(h.fingerprints(), 1, "checked a moment ago");
  h.tick(1_000);
  const r = await h.cache.get();
  assert.equal(h.loads.length, 2);
  assert.equal(r.ok && r.value.fingerprint, "v2");
});

Deno.test("SchemaCache keeps at most CACHE_MAX_SIZE scopes, evicting the least recently used", async () => {
  const h = harness({ maxSize: 2 });
  const a = { include: ["a"], exclude: [] };
  const b = { include: ["b"], exclude: [] };
  const c = { include: ["c"], exclude: [] };
  await h.cache.get(a);
  await h.cache.get(b);
  await h.cache.get(a); // a is now the most recent
  await h.cache.get(c); // evicts b
  assert.equal(h.loads.length, 3);
  await h.cache.get(a);
  assert.equal(h.loads.length, 3);
  await h.cache.get(b);
  assert.equal(h.loads.length, 4);
});

Deno.test("SchemaCache with CACHE_ENABLED=false loads on every call", async () => {
  const h = harness({ enabled: false });
  await h.cache.get();
  await h.cache.get();
  assert.equal(h.loads.length, 2);
});

Deno.test("SchemaCache.refresh() loads again even when fresh", async () => {
  const h = harness();
  await h.cache.get();
  await h.cache.refresh();
  assert.equal(h.loads.length, 2);
  await h.cache.get();
  assert.equal(h.loads.length, 2);
});

Deno.test("SchemaCache does not keep a failed load", async () => {
  let calls = 0;
  const cache = createSchemaCache({
    load: (): Promise<Result<SchemaSnapshot>> => {
      calls++;
      return Promise.resolve(fail("DB_UNAVAILABLE", "Cannot connect: refused"));
    },
    enabled: true,
    ttlMs: 60_000,
    now: () => 0,
  });
  const r = await cache.get();
  assert.equal(!r.ok && r.error.code, "DB_UNAVAILABLE");
  await cache.get();
  assert.equal(calls, 2);
});

Deno.test("scopeKey() ignores order and duplicates", () => {
  assert.equal(
    scopeKey({ include: ["b", "a", "a"], exclude: [] }),
    scopeKey({ include: ["a", "b"], exclude: [] }),
  );
  assert.notEqual(
    scopeKey({ include: ["a"], exclude: [] }),
    scopeKey({ include: [], exclude: ["a"] }),
  );
});
