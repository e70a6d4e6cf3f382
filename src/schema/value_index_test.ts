import assert from "node:assert/strict";
import { loadSample } from "../../tests/support/samples.ts";
import { openTestDb } from "../../tests/support/read_only_db.ts";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import { fail, ok } from "../errors.ts";
import type { CatalogReader } from "./catalog_reader.ts";
import { introspectSchema } from "./introspect.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";
import {
  buildValueIndex,
  indexValues,
  matchValues,
  renderValueMatches,
  type ValueEntry,
  valueHints,
} from "./value_index.ts";

function table(name: string, columns: string[], rows?: number): TableInfo {
  return {
    schema: "public",
    name,
    kind: "table",
    columns: columns.map((c) => ({ name: c, type: "text", nullable: true })),
    primaryKey: [],
    foreignKeys: [],
    ...(rows !== undefined ? { estimatedRows: rows } : {}),
  };
}

const snapshot: SchemaSnapshot = {
  database: "t",
  loadedAt: 0,
  tables: [
    table("genre", ["name"]),
    table("media_type", ["name"]),
    table("customer", ["city", "country"]),
    table("track", ["name"]),
  ],
};

function entries(rows: [string, string, string][]): ValueEntry[] {
  return rows.map(([t, column, value]) =>
    indexValues([], snapshot) &&
    ({
      schema: "public",
      table: t,
      column,
      value,
      words: value.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().split(/[^a-z0-9]+/)
        .filter(Boolean).map((w) => w.endsWith("s") && w.length > 3 ? w.slice(0, -1) : w),
    })
  );
}

const index = indexValues(
  entries([
    ["genre", "name", "Rock"],
    ["genre", "name", "Rock And Roll"],
    ["genre", "name", "Jazz"],
    ["genre", "name", "Bossa Nova"],
    ["media_type", "name", "MPEG audio file"],
    ["media_type", "name", "Protected AAC audio file"],
    ["media_type", "name", "Protected MPEG-4 video file"],
    ["media_type", "name", "Purchased AAC audio file"],
    ["media_type", "name", "AAC audio file"],
    ["customer", "city", "São Paulo"],
    ["customer", "city", "Paris"],
    ["customer", "country", "Brazil"],
    ["track", "name", "Genre"],
    ["track", "name", "Love Song"],
  ]),
  snapshot,
);

const best = (question: string) => matchValues(index, question)[0];

Deno.test("matchValues() finds the stored spelling, ignoring case and accents", () => {
  assert.deepEqual(best("customers in sao paulo"), {
    schema: "public",
    table: "customer",
    column: "city",
    value: "São Paulo",
    phrase: "sao paulo",
    score: 1,
  });
  assert.equal(best("How many tracks are ROCK AND ROLL?").value, "Rock And Roll");
});

Deno.test("matchValues() prefers the longer value of a column ('Rock And Roll' over 'Rock')", () => {
  const found = matchValues(index, "list rock and roll albums");
  assert.deepEqual(found.map((m) => m.value), ["Rock And Roll"]);
});

Deno.test("matchValues() matches most of a value's distinctive words", () => {
  const found = matchValues(index, "How many protected aac files are there?");
  assert.equal(found[0].value, "Protected AAC audio file");
  assert.equal(found[0].phrase, "protected aac files");
  assert.ok(found[0].score < 1 && found[0].score >= 0.6, `${found[0].score}`);
  assert.ok(!found.some((m) => m.value === "Purchased AAC audio file"), "subsumed");
});

Deno.test("matchValues() ignores values named only by schema words and weak partial matches", () => {
  assert.ok(
    !matchValues(index, "What is the genre of each track?").some((m) => m.value === "Genre"),
  );
  assert.deepEqual(matchValues(index, "love letters"), [], "one word of two");
  assert.equal(best("songs about love").value, "Love Song", "word order aside");
  assert.deepEqual(matchValues(index, "How many invoices were paid?"), []);
});

Deno.test("renderValueMatches() and valueHints() turn matches into prompt lines and hints", () => {
  const found = matchValues(index, "rock and roll tracks bought in São Paulo, it's 'Rock'");
  assert.deepEqual(renderValueMatches(found), [
    `-- "rock and roll" may mean public.genre.name = 'Rock And Roll'`,
    `-- "São Paulo" may mean public.customer.city = 'São Paulo'`,
  ], "in the question's order");
  assert.deepEqual(valueHints(found)[0], {
    schema: "public",
    table: "genre",
    column: "name",
    score: 1,
  });
  const quoted = indexValues(entries([["customer", "city", "L'Île"]]), snapshot);
  assert.deepEqual(renderValueMatches(matchValues(quoted, "from l ile")), [
    `-- "l ile" may mean public.customer.city = 'L''Île'`,
  ]);
});

Deno.test("buildValueIndex() reads Chinook's values within the caps", async () => {
  const cluster = await sharedTestCluster();
  const url = await loadSample(cluster, "chinook");
  const db = openTestDb(url);
  try {
    const snap = await introspectSchema(db, { include: [], exclude: [] }, () => 0);
    assert.ok(snap.ok);
    const built = await buildValueIndex(db, snap.value, {
      maxValuesPerColumn: 5_000,
      skipColumn: (_s, t, c) => t === "customer" && c === "email",
    });
    assert.ok(built.ok);
    const vi = built.value;
    assert.equal(vi.stats.failedColumns, 0);
    assert.equal(vi.stats.truncated, false);
    assert.ok(vi.stats.columns > 20, `${vi.stats.columns} columns`);
    assert.ok(!vi.entries.some((e) => e.table === "customer" && e.column === "email"), "hidden");
    assert.ok(vi.entries.some((e) => e.table === "track" && e.value === "Rock & Roll"));
    const line = (q: string) => renderValueMatches(matchValues(vi, q));
    assert.ok(
      line("How many tracks are rock and roll?").includes(
        `-- "rock and roll" may mean public.genre.name = 'Rock And Roll'`,
      ),
      `${line("How many tracks are rock and roll?")}`,
    );
    assert.ok(
      line("customers from sao paulo").includes(
        `-- "sao paulo" may mean public.customer.city = 'São Paulo'`,
      ),
    );
    assert.deepEqual(
      matchValues(vi, "how many protected aac files were sold?").map((m) => m.value)[0],
      "Protected AAC audio file",
    );

    const capped = await buildValueIndex(db, snap.value, { maxValuesPerColumn: 3 });
    assert.ok(capped.ok && capped.value.stats.truncated);
    const perColumn = new Map<string, number>();
    for (const e of capped.value.entries) {
      const key = `${e.table}.${e.column}`;
      perColumn.set(key, (perColumn.get(key) ?? 0) + 1);
    }
    assert.ok(Math.max(...perColumn.values()) <= 3);
    const total = await buildValueIndex(db, snap.value, { maxValues: 50 });
    assert.ok(total.ok && total.value.entries.length <= 50 && total.value.stats.truncated);
    let t = 0;
    const timed = await buildValueIndex(db, snap.value, {
      timeBudgetMs: 1_000,
      now: () => (t += 400),
    });
    assert.ok(timed.ok && timed.value.stats.truncated && timed.value.stats.columns <= 3);
  } finally {
    await db.close();
  }
});

Deno.test("buildValueIndex() skips a column it cannot read and keeps going", async () => {
  let calls = 0;
  const reader: CatalogReader = {
    catalog<T>(sql: string) {
      calls++;
      if (sql.includes('"genre"')) {
        return Promise.resolve(fail<T[]>("DB_FAILED", "Cannot read: permission denied"));
      }
      return Promise.resolve(ok([{ v: "Paris" }] as T[]));
    },
  };
  const built = await buildValueIndex(reader, snapshot);
  assert.ok(built.ok);
  assert.equal(built.value.stats.failedColumns, 1);
  assert.equal(calls, 5);
  assert.equal(built.value.entries.length, 4);
});

Deno.test("matchValues() puts the value written as a phrase before the same words reordered", () => {
  const items = indexValues(
    entries([["track", "name", "item 17 of 5"], ["track", "name", "item 5 of 17"]]),
    snapshot,
  );
  assert.equal(matchValues(items, "the name of item 5 of 17")[0].value, "item 5 of 17");
});
