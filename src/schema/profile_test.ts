import assert from "node:assert/strict";
import { loadSample } from "../../tests/support/samples.ts";
import { openTestDb } from "../../tests/support/read_only_db.ts";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import type { CatalogReader } from "./catalog_reader.ts";
import { buildSchemaContext } from "./context.ts";
import { introspectSchema } from "./introspect.ts";
import {
  buildProfile,
  type ColumnProfile,
  profileHints,
  profileOf,
  renderProfileHint,
} from "./profile.ts";
import { renderTable } from "./render.ts";
import type { ColumnInfo, SchemaSnapshot } from "./types.ts";

const text: ColumnInfo = { name: "name", type: "character varying(120)", nullable: true };
const int: ColumnInfo = { name: "ms", type: "integer", nullable: false };

Deno.test("renderProfileHint() lists a low-cardinality text column's values", () => {
  const genre: ColumnProfile = {
    source: "pg_stats",
    distinct: 25,
    commonValues: ["Rock", "Latin", "Metal", "Alternative & Punk", "Jazz"],
  };
  assert.equal(
    renderProfileHint(text, genre),
    "values: 'Rock', 'Latin', 'Metal', 'Alternative & Punk', 'Jazz', … (25 distinct)",
  );
  assert.equal(
    renderProfileHint(text, { source: "sample", distinct: 2, commonValues: ["O'Hara", "x"] }),
    "values: 'O''Hara', 'x'",
  );
  const many = { source: "sample" as const, distinct: 5000, commonValues: ["2012-08-24", "b"] };
  assert.equal(renderProfileHint(text, many), "e.g. '2012-08-24', 'b'", "shows the format");
  assert.equal(
    renderProfileHint(int, { source: "pg_stats", histogramBounds: ["1", "40", "5286953"] }),
    "range 1..5286953",
  );
  assert.equal(renderProfileHint(int, { source: "pg_stats", distinct: 3 }), undefined);
  assert.equal(renderProfileHint({ ...text, enumType: "public.mood" }, genre), undefined);
  assert.equal(renderProfileHint(text, undefined), undefined);
});

Deno.test("renderProfileHint() stays within its length", () => {
  const long: ColumnProfile = {
    source: "pg_stats",
    distinct: 30,
    commonValues: Array.from({ length: 30 }, (_, i) => `value number ${i} of a long list`),
  };
  const hint = renderProfileHint(text, long, { maxChars: 120 })!;
  assert.ok(hint.length <= 120, hint);
  assert.match(hint, /, … \(30 distinct\)$/);
});

const snapshot: SchemaSnapshot = {
  database: "t",
  loadedAt: 0,
  tables: [{
    schema: "public",
    name: "genre",
    kind: "table",
    columns: [{ name: "genre_id", type: "integer", nullable: false }, text],
    primaryKey: ["genre_id"],
    foreignKeys: [],
  }],
};

Deno.test("renderTable() and buildSchemaContext() carry column hints within the budget", () => {
  const hint = (_t: unknown, c: ColumnInfo) => c.name === "name" ? "values: 'Rock'" : undefined;
  assert.equal(
    renderTable(snapshot.tables[0], new Map(), hint),
    [
      "TABLE public.genre (",
      "  genre_id integer NOT NULL PRIMARY KEY,",
      "  name varchar(120) -- values: 'Rock'",
      ");",
    ].join("\n"),
  );
  const plain = buildSchemaContext(snapshot, "genres", 1000);
  const hinted = buildSchemaContext(snapshot, "genres", 1000, { columnHint: hint });
  assert.match(hinted.text, /values: 'Rock'/);
  assert.ok(hinted.tokens! > plain.tokens!);
});

/** A reader that records every statement and its parameters. */
function recording(reader: CatalogReader): CatalogReader & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    catalog<T>(sql: string, params: readonly unknown[] = []) {
      log.push(sql + JSON.stringify(params));
      return reader.catalog<T>(sql, params);
    },
  };
}

Deno.test("buildProfile() reads pg_stats, samples what was never analyzed, skips hidden columns", async () => {
  const cluster = await sharedTestCluster();
  const url = await loadSample(cluster, "chinook");
  await cluster.psql(url, "ANALYZE genre; ANALYZE track; ANALYZE customer;");
  const db = openTestDb(url);
  try {
    const snap = await introspectSchema(db, { include: [], exclude: [] }, () => 0);
    assert.ok(snap.ok);
    const reader = recording(db);
    const built = await buildProfile(reader, snap.value, {
      skipColumn: (_s, _t, c) => c === "email",
    });
    assert.ok(built.ok);
    const p = built.value;
    assert.equal(p.stats.failedTables, 0);
    assert.ok(p.stats.fromStats > 0 && p.stats.sampled > 0, JSON.stringify(p.stats));
    const genre = profileOf(p, "public", "genre", "name")!;
    assert.equal(genre.source, "pg_stats");
    assert.equal(genre.distinct, 25);
    assert.equal(genre.nullFraction, 0);
    const media = profileOf(p, "public", "media_type", "name")!;
    assert.equal(media.source, "sample", "media_type was never analyzed");
    assert.equal(media.distinct, 5);
    assert.ok(media.commonValues!.includes("Protected AAC audio file"));
    const composer = profileOf(p, "public", "track", "composer")!;
    assert.ok(composer.nullFraction! > 0.2 && composer.nullFraction! < 0.3);
    assert.ok(profileOf(p, "public", "track", "milliseconds")!.histogramBounds!.length <= 11);
    assert.equal(profileOf(p, "public", "customer", "email"), undefined);
    assert.equal(profileOf(p, "public", "employee", "email"), undefined);
    assert.ok(!reader.log.some((s) => s.includes("email")), "a hidden column is never named");

    const hints = profileHints(p);
    const table = snap.value.tables.find((t) => t.name === "media_type")!;
    assert.match(renderTable(table, new Map(), hints), /values: .*'Protected AAC audio file'/);

    const small = await buildProfile(db, snap.value, { maxBytes: 2_000 });
    assert.ok(small.ok && small.value.stats.truncated && small.value.stats.bytes <= 2_000);
    let t = 0;
    const timed = await buildProfile(db, snap.value, { timeBudgetMs: 1, now: () => (t += 5) });
    assert.ok(timed.ok && timed.value.stats.truncated && timed.value.stats.sampled === 0);
  } finally {
    await db.close();
  }
});
