/**
 * The schema tools and resources through the official MCP client (in-memory transport), against
 * pg-mcp as createApp builds it, on a real PostgreSQL database holding every kind of object.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import assert from "node:assert/strict";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/load_config.ts";
import { createMemoryLogger } from "../src/log.ts";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { unfenceJson } from "../src/mcp/tool_result.ts";
import { sharedTestCluster, type TestCluster, uniqueName } from "./support/test_cluster.ts";

const EVERY_OBJECT = new URL("../src/schema/testdata/every_object.sql", import.meta.url);

interface Harness {
  client: Client;
  cluster: TestCluster;
  db: string;
  /** Moves the injected clock. */
  advance(ms: number): void;
  [Symbol.asyncDispose](): Promise<void>;
}

async function start(env: Record<string, string> = {}): Promise<Harness> {
  const cluster = await sharedTestCluster();
  const db = uniqueName("schema_tools");
  const url = await cluster.createDatabase(db, { sql: [await Deno.readTextFile(EVERY_OBJECT)] });
  const cfg = loadConfig({ DATABASE_URL: url, ...env });
  if (!cfg.ok) throw cfg.error;
  let t = 1_000_000;
  const app = await createApp(cfg.value, createMemoryLogger("ERROR"), "0.0.0-test", {
    now: () => t,
  });
  const mcp = await connectInMemory(app.server, "schema-tests");
  return {
    client: mcp.client,
    cluster,
    db,
    advance: (ms) => {
      t += ms;
    },
    async [Symbol.asyncDispose]() {
      await mcp.close();
      await app.close();
    },
  };
}

// deno-lint-ignore no-explicit-any
type Body = any;

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[])[0].text;
  assert.deepEqual(unfenceJson(text), result.structuredContent, "text and structured agree");
  return { isError: result.isError === true, body: result.structuredContent as Body };
}

Deno.test("schema tools are listed with read-only annotations and output schemas", async () => {
  await using h = await start();
  const { tools } = await h.client.listTools();
  for (const name of ["list_schemas", "list_tables", "describe_table", "search_schema"]) {
    const tool = tools.find((t) => t.name === name);
    assert.ok(tool, name);
    assert.equal(tool.annotations?.readOnlyHint, true);
    assert.ok(tool.outputSchema);
  }
  assert.ok(tools.find((t) => t.name === "refresh_schema"));
});

Deno.test("list_schemas and list_tables show schemas, every relation kind, rows and comments", async () => {
  await using h = await start();
  const schemas = await call(h.client, "list_schemas");
  assert.equal(schemas.isError, false);
  const shop = schemas.body.schemas.find((s: Body) => s.name === "shop");
  assert.equal(shop.comment, "The online shop");
  assert.equal(shop.tables, 8);
  assert.ok(!schemas.body.schemas.some((s: Body) => /^pg_|information_schema/.test(s.name)));

  const tables = await call(h.client, "list_tables", { schema: "shop" });
  const kinds = Object.fromEntries(tables.body.tables.map((t: Body) => [t.name, t.kind]));
  assert.deepEqual(kinds, {
    big_orders: "view",
    customers: "table",
    events: "partitioned_table",
    order_totals: "materialized_view",
    orders: "table",
    remote_prices: "foreign_table",
    stock: "table",
    warehouses: "table",
  });
  const events = tables.body.tables.find((t: Body) => t.name === "events");
  assert.equal(events.estimated_rows, 1000, "partition estimates summed on the parent");
  const customers = tables.body.tables.find((t: Body) => t.name === "customers");
  assert.equal(customers.comment, "People who buy");

  const missing = await call(h.client, "list_tables", { schema: "nope" });
  assert.equal(missing.isError, true);
  assert.equal(missing.body.error.code, "NOT_FOUND");
});

Deno.test("describe_table shows columns, keys, indexes, enums, domains and both FK directions", async () => {
  await using h = await start();
  const orders = await call(h.client, "describe_table", { schema: "shop", table: "orders" });
  assert.equal(orders.isError, false);
  const col = (name: string) => orders.body.columns.find((c: Body) => c.name === name);
  assert.equal(col("id").identity, "by_default");
  assert.equal(col("status").type, "shop.order_status");
  assert.deepEqual(col("status").enumValues, ["pending", "paid", "shipped"]);
  assert.equal(col("status").default, "'pending'::shop.order_status");
  assert.equal(col("history").type, "shop.order_status[]");
  assert.equal(col("total").type, "numeric(10,2)");
  assert.equal(col("total_with_tax").generated, "total * 1.2");
  assert.deepEqual(orders.body.primary_key, ["id"]);
  assert.deepEqual(orders.body.foreign_keys, [{
    name: "orders_customer_id_fkey",
    columns: ["customer_id"],
    refSchema: "shop",
    refTable: "customers",
    refColumns: ["id"],
  }]);
  assert.deepEqual(orders.body.checks.map((c: Body) => c.name), ["orders_total_check"]);
  const open = orders.body.indexes.find((i: Body) => i.name === "orders_open_idx");
  assert.equal(open.predicate, "status <> 'shipped'::shop.order_status");
  const rounded = orders.body.indexes.find((i: Body) => i.name === "orders_total_rounded_idx");
  assert.deepEqual(rounded.columns, ["round(total)"]);

  const customers = await call(h.client, "describe_table", { table: "customers" });
  const c = (name: string) => customers.body.columns.find((x: Body) => x.name === name);
  assert.equal(c("id").identity, "always");
  assert.equal(c("email").domainType, "shop.email");
  assert.equal(c("full_name").comment, "Given and family name");
  assert.equal(c("balance").type, "numeric(12,2)");
  assert.equal(c("tags").type, "text[]");
  assert.deepEqual(customers.body.unique_constraints, [{
    name: "customers_email_key",
    columns: ["email"],
  }]);
  assert.deepEqual(customers.body.referenced_by.map((r: Body) => `${r.schema}.${r.table}`), [
    "shop.orders",
  ]);

  const stock = await call(h.client, "describe_table", { schema: "shop", table: "stock" });
  assert.deepEqual(stock.body.foreign_keys[0].columns, ["region", "code"]);
  assert.deepEqual(stock.body.foreign_keys[0].refColumns, ["region", "code"]);
  const warehouses = await call(h.client, "describe_table", { table: "warehouses" });
  assert.deepEqual(warehouses.body.primary_key, ["region", "code"]);

  const camel = await call(h.client, "describe_table", { table: "CamelTable" });
  assert.deepEqual(camel.body.columns.map((x: Body) => x.name), ["userId", "Display Name"]);
});

Deno.test("describe_table of an injection-shaped name is a clean NOT_FOUND and changes nothing", async () => {
  await using h = await start();
  const before = await h.cluster.psql(h.db, "SELECT count(*) FROM pg_class WHERE oid >= 16384");
  for (
    const args of [
      { table: 'x"; DROP TABLE shop.orders; --' },
      { schema: "shop'; DROP TABLE shop.orders; --", table: "orders" },
      { schema: "shop", table: "orders; DROP TABLE shop.orders" },
    ]
  ) {
    const r = await call(h.client, "describe_table", args);
    assert.equal(r.isError, true);
    assert.equal(r.body.success, false);
    assert.equal(r.body.error.code, "NOT_FOUND");
    assert.match(r.body.error.message, /^Cannot describe table /);
  }
  const after = await h.cluster.psql(h.db, "SELECT count(*) FROM pg_class WHERE oid >= 16384");
  assert.equal(after, before);
  const ok = await call(h.client, "describe_table", { schema: "shop", table: "orders" });
  assert.equal(ok.isError, false);
});

Deno.test("describe_table names the schemas when a table name is ambiguous", async () => {
  await using h = await start();
  await h.cluster.psql(h.db, "CREATE TABLE public.orders (id int);");
  await call(h.client, "refresh_schema");
  const r = await call(h.client, "describe_table", { table: "orders" });
  assert.equal(r.body.error.code, "INVALID_INPUT");
  assert.deepEqual(r.body.error.details.candidates.map((c: Body) => c.schema).sort(), [
    "public",
    "shop",
  ]);
});

Deno.test("search_schema ranks tables for a question, with foreign-key neighbours", async () => {
  await using h = await start();
  const r = await call(h.client, "search_schema", {
    query: "Which customers have paid orders?",
    limit: 5,
  });
  assert.equal(r.isError, false);
  const names = r.body.results.map((x: Body) => `${x.schema}.${x.table}`);
  assert.ok(names.length <= 5);
  assert.deepEqual(names.slice(0, 2).sort(), ["shop.customers", "shop.orders"]);
  const scores = r.body.results.map((x: Body) => x.score);
  assert.deepEqual(scores, [...scores].sort((a: number, b: number) => b - a));

  const stock = await call(h.client, "search_schema", { query: "sku qty" });
  const stockNames = stock.body.results.map((x: Body) => x.table);
  assert.equal(stockNames[0], "stock");
  assert.ok(stockNames.includes("warehouses"), "the referenced table comes along");
});

Deno.test("DDL after a cached load is seen on the next call (fingerprint), refresh_schema forces", async () => {
  await using h = await start();
  const before = await call(h.client, "describe_table", { schema: "shop", table: "stock" });
  assert.equal(before.body.columns.length, 4);
  await h.cluster.psql(
    h.db,
    "ALTER TABLE shop.stock ADD COLUMN bin text; DROP TABLE shop.warehouses CASCADE;" +
      " COMMENT ON TABLE shop.stock IS 'What is where';",
  );
  // Within the check interval the cached snapshot is served as is.
  const cached = await call(h.client, "describe_table", { schema: "shop", table: "stock" });
  assert.equal(cached.body.columns.length, 4);
  h.advance(1_000);
  const after = await call(h.client, "describe_table", { schema: "shop", table: "stock" });
  assert.equal(after.body.columns.length, 5);
  assert.equal(after.body.comment, "What is where");
  const gone = await call(h.client, "describe_table", { schema: "shop", table: "warehouses" });
  assert.equal(gone.body.error.code, "NOT_FOUND");

  await h.cluster.psql(h.db, "CREATE TABLE shop.fresh (id int);");
  const refreshed = await call(h.client, "refresh_schema");
  assert.equal(refreshed.isError, false);
  assert.equal(refreshed.body.tables, 10);
  const fresh = await call(h.client, "describe_table", { schema: "shop", table: "fresh" });
  assert.equal(fresh.isError, false);
});

Deno.test("SCHEMA_EXCLUDE hides a schema from every tool", async () => {
  await using h = await start({ SCHEMA_EXCLUDE: "hidden" });
  const schemas = await call(h.client, "list_schemas");
  assert.ok(!schemas.body.schemas.some((s: Body) => s.name === "hidden"));
  const r = await call(h.client, "describe_table", { schema: "hidden", table: "secrets" });
  assert.equal(r.body.error.code, "NOT_FOUND");
});

Deno.test("resources: overview, a table per URI, and completions for schema and table names", async () => {
  await using h = await start();
  const { resources } = await h.client.listResources();
  assert.ok(resources.some((r) => r.uri === "schema://overview"));
  assert.ok(resources.some((r) => r.uri === "schema://table/shop/orders"));
  const { resourceTemplates } = await h.client.listResourceTemplates();
  assert.equal(resourceTemplates[0].uriTemplate, "schema://table/{schema}/{table}");

  const overview = await h.client.readResource({ uri: "schema://overview" });
  const text = (overview.contents[0] as { text: string }).text;
  assert.match(text, /Schema shop \(8 tables\) -- The online shop/);
  assert.match(text, /events \(partitioned table, ~1000 rows\)/);

  const orders = await h.client.readResource({ uri: "schema://table/shop/orders" });
  const ddl = (orders.contents[0] as { text: string }).text;
  assert.match(ddl, /^TABLE shop\.orders \(/);
  assert.match(ddl, /customer_id integer NOT NULL REFERENCES shop\.customers\(id\)/);
  assert.match(ddl, /one of 'pending', 'paid', 'shipped'/);
  assert.match(ddl, /-- index: CREATE INDEX orders_open_idx/);

  const camel = await h.client.readResource({
    uri: `schema://table/public/${encodeURIComponent("CamelTable")}`,
  });
  assert.match((camel.contents[0] as { text: string }).text, /"userId" integer/);

  await assert.rejects(
    h.client.readResource({ uri: "schema://table/shop/x%22%3B%20DROP%20TABLE%20y%3B%20--" }),
    /Cannot describe table/,
  );

  const schemas = await h.client.complete({
    ref: { type: "ref/resource", uri: "schema://table/{schema}/{table}" },
    argument: { name: "schema", value: "sh" },
  });
  assert.deepEqual(schemas.completion.values, ["shop"]);
  const tables = await h.client.complete({
    ref: { type: "ref/resource", uri: "schema://table/{schema}/{table}" },
    argument: { name: "table", value: "ord" },
    context: { arguments: { schema: "shop" } },
  });
  assert.deepEqual(tables.completion.values, ["order_totals", "orders"]);
});
