import assert from "node:assert/strict";
import { rankTables, stem, terms } from "./retrieval.ts";
import type { SchemaSnapshot, TableInfo } from "./types.ts";

function table(schema: string, name: string, columns: string[], extra: Partial<TableInfo> = {}) {
  return {
    schema,
    name,
    kind: "table" as const,
    columns: columns.map((c) => ({ name: c, type: "text", nullable: true })),
    primaryKey: [],
    foreignKeys: [],
    ...extra,
  };
}

const snapshot: SchemaSnapshot = {
  database: "t",
  loadedAt: 0,
  tables: [
    table("shop", "customers", ["id", "fullName", "email"]),
    table("shop", "orders", ["id", "customer_id", "status"], {
      foreignKeys: [{
        name: "f",
        columns: ["customer_id"],
        refSchema: "shop",
        refTable: "customers",
        refColumns: ["id"],
      }],
    }),
    table("shop", "order_items", ["order_id", "sku", "qty"], {
      foreignKeys: [{
        name: "g",
        columns: ["order_id"],
        refSchema: "shop",
        refTable: "orders",
        refColumns: ["id"],
      }],
    }),
    table("hr", "employees", ["id", "salary"], { comment: "Staff on the payroll" }),
    table("hr", "countries", ["code", "label"]),
  ],
  enums: [{ schema: "shop", name: "tier", values: ["gold", "silver"] }],
};
snapshot.tables[0].columns.push({
  name: "tier",
  type: "shop.tier",
  nullable: true,
  enumType: "shop.tier",
});

Deno.test("terms() splits snake_case, camelCase and digits, stems plurals, drops stop words", () => {
  assert.deepEqual(terms("customerOrders order_items HTTPServer addr2"), [
    "customer",
    "order",
    "order",
    "item",
    "http",
    "server",
    "addr",
    "2",
  ]);
  assert.deepEqual(terms("How many of the countries?"), ["country"]);
  assert.equal(stem("addresses"), "address");
  assert.equal(stem("status"), "status");
});

Deno.test("rankTables() puts the named table first, its FK neighbours next", () => {
  const ranked = rankTables(snapshot, "How many orders did each customer place?");
  assert.deepEqual(ranked.slice(0, 2).map((r) => r.table).sort(), ["customers", "orders"]);
  assert.ok(ranked.some((r) => r.table === "order_items"), "neighbour of orders");
  assert.ok(!ranked.some((r) => r.schema === "hr"), "unrelated schema left out");
});

Deno.test("rankTables() matches comments and enum values", () => {
  assert.equal(rankTables(snapshot, "payroll")[0].table, "employees");
  assert.equal(rankTables(snapshot, "gold members")[0].table, "customers");
});

Deno.test("rankTables() is deterministic and empty for a query with no known word", () => {
  assert.deepEqual(rankTables(snapshot, "orders qty"), rankTables(snapshot, "orders qty"));
  assert.deepEqual(rankTables(snapshot, "what is the weather"), []);
});

Deno.test("rankTables() matches words that share a prefix, below exact matches", () => {
  const snap: SchemaSnapshot = {
    database: "t",
    loadedAt: 0,
    tables: [
      table("zoo", "animals", ["id", "weight"]),
      table("zoo", "keepers", ["id", "weigh_station"]),
      table("zoo", "tickets", ["id", "price"]),
    ],
  };
  const ranked = rankTables(snap, "How much does the heaviest animal weigh?");
  assert.equal(ranked[0].table, "animals", "exact 'animal' plus prefix 'weight'");
  const weightOnly = rankTables(snap, "weights");
  assert.deepEqual(weightOnly.map((r) => r.table).slice(0, 2), ["animals", "keepers"]);
  assert.ok(!rankTables(snap, "weights").some((r) => r.table === "tickets" && r.score > 1));
});
