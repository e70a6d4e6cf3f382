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

function snap(tables: TableInfo[]): SchemaSnapshot {
  return { database: "t", loadedAt: 0, tables };
}

Deno.test("rankTables() looks inside run-together names (PostgreSQL folds unquoted names)", () => {
  const s = snap([
    table("forum", "posthistory", ["id", "posthistorytypeid", "text"]),
    table("forum", "badges", ["id", "name"]),
    table("forum", "posts", ["id", "title", "body"]),
    table("forum", "users", ["id", "displayname"]),
  ]);
  assert.equal(rankTables(s, "the history of edits")[0].table, "posthistory");
  assert.equal(rankTables(s, "users by display name")[0].table, "users");
});

Deno.test("rankTables() expands abbreviations and dropped letters in column names", () => {
  const s = snap([
    table("sales", "ord_hdr", ["ord_no", "cust_no", "ord_dt", "tot_amt"]),
    table("sales", "stock", ["sku", "qty_on_hand"]),
    table("sales", "sat_results", ["cds", "tst_takr_cnt", "avg_scr"]),
    table("sales", "regions", ["region_id", "label"]),
  ]);
  assert.equal(rankTables(s, "total amount per customer number")[0].table, "ord_hdr");
  assert.equal(rankTables(s, "quantity on hand")[0].table, "stock");
  assert.equal(rankTables(s, "test takers per school")[0].table, "sat_results");
});

Deno.test("rankTables() reads two-letter abbreviations from the curated table", () => {
  const s = snap([
    table("ops", "shipments", ["ship_dt", "carrier"]),
    table("ops", "parcels", ["parcel_no", "weight"]),
    table("ops", "carriers", ["carrier", "label"]),
  ]);
  assert.equal(rankTables(s, "shipping date")[0].table, "shipments");
  assert.equal(rankTables(s, "parcel number and weight")[0].table, "parcels");
  assert.equal(rankTables(s, "dates")[0].table, "shipments", "dt stands for date");
  assert.deepEqual(rankTables(s, "number").map((r) => r.table)[0], "parcels");
});

Deno.test("rankTables() follows joins implied by names", () => {
  const s = snap([
    table("f1", "races", ["raceid", "name", "year"]),
    table("f1", "results", ["resultid", "raceid", "points"]),
    table("f1", "sponsors", ["sponsorid", "label"]),
  ]);
  const ranked = rankTables(s, "race names").map((r) => r.table);
  assert.deepEqual(ranked, ["races", "results", "sponsors"]);
  assert.ok(
    rankTables(s, "race names")[1].score > rankTables(s, "race names")[2].score,
    "results joins races by raceid; sponsors only shares the schema",
  );
});

Deno.test("rankTables() lifts a bridge table joining two matched tables", () => {
  const fk = (column: string, refTable: string) => ({
    name: `${column}_fk`,
    columns: [column],
    refSchema: "uni",
    refTable,
    refColumns: ["id"],
  });
  const s = snap([
    table("uni", "students", ["id", "name"]),
    table("uni", "courses", ["id", "title"]),
    table("uni", "roster", ["pupil", "class"], {
      foreignKeys: [fk("pupil", "students"), fk("class", "courses")],
    }),
    table("uni", "lockers", ["owner"], { foreignKeys: [fk("owner", "students")] }),
    table("uni", "desks", ["slot"], { foreignKeys: [fk("slot", "courses")] }),
  ]);
  const ranked = rankTables(s, "Which students take the databases course?").map((r) => r.table);
  assert.deepEqual(ranked.slice(0, 2).sort(), ["courses", "students"]);
  assert.equal(ranked[2], "roster", `${ranked}`);
});

Deno.test("rankTables() lifts the tables holding values the question names", () => {
  const s = snap([
    table("music", "track", ["track_id", "name", "album_id", "genre_id", "media_type_id"]),
    table("music", "genre", ["genre_id", "name"]),
    table("music", "album", ["album_id", "title"]),
    table("music", "media_type", ["media_type_id", "name"]),
    table("music", "playlist", ["playlist_id", "name"]),
  ]);
  const question = "How long are the rock and roll tracks?";
  const plain = rankTables(s, question).map((r) => r.table);
  const hinted = rankTables(s, question, {
    values: [{ schema: "music", table: "genre", column: "name", score: 1 }],
  }).map((r) => r.table);
  assert.equal(hinted[0], "track");
  assert.equal(hinted[1], "genre");
  assert.ok(plain.indexOf("genre") > 1, `without the hint: ${plain}`);
});

Deno.test("rankTables() lifts every table of the schema the question is about", () => {
  const s = snap([
    table("shop", "customers", ["customer_id", "name"]),
    table("shop", "products", ["product_id", "price"]),
    table("shop", "warehouses", ["warehouse_id", "city"]),
    table("hr", "employees", ["employee_id", "salary"]),
    table("hr", "payslips", ["payslip_id", "amount"]),
  ]);
  const ranked = rankTables(s, "customers who bought expensive products");
  assert.deepEqual(ranked.map((r) => r.table), ["customers", "products", "warehouses"]);
});
