import assert from "node:assert/strict";
import type { SchemaSnapshot, TableInfo } from "../schema/types.ts";
import { hideFromSnapshot } from "./hide_snapshot.ts";
import { createHiddenMatcher, parseHiddenPattern } from "./patterns.ts";

function matcher(tables: string[], columns: string[]) {
  const parse = (items: string[], kind: "table" | "column") =>
    items.map((i) => {
      const p = parseHiddenPattern(i, kind);
      if (!p.ok) throw p.error;
      return p.value;
    });
  return createHiddenMatcher({ tables: parse(tables, "table"), columns: parse(columns, "column") });
}

const col = (name: string, extra: Partial<TableInfo["columns"][number]> = {}) => ({
  name,
  type: "text",
  nullable: true,
  ...extra,
});

const users: TableInfo = {
  schema: "public",
  name: "users",
  kind: "table",
  columns: [
    col("id", { type: "integer", nullable: false }),
    col("name"),
    col("ssn"),
    col("ssn_last4", { generated: "right(ssn, 4)" }),
  ],
  primaryKey: ["id"],
  foreignKeys: [],
  uniqueConstraints: [{ name: "users_ssn_key", columns: ["ssn"] }, {
    name: "users_name_key",
    columns: ["name"],
  }],
  checks: [{ name: "ssn_format", definition: 'CHECK ((length("SSN") = 11))' }, {
    name: "name_len",
    definition: "CHECK ((length(name) > 0))",
  }],
  indexes: [
    {
      name: "users_pkey",
      columns: ["id"],
      unique: true,
      primary: true,
      method: "btree",
      definition: "CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)",
    },
    {
      name: "users_ssn_lower",
      columns: ["lower(ssn)"],
      unique: false,
      primary: false,
      method: "btree",
      definition: "CREATE INDEX users_ssn_lower ON public.users USING btree (lower(ssn))",
    },
    {
      name: "users_name_partial",
      columns: ["name"],
      unique: false,
      primary: false,
      method: "btree",
      predicate: "(ssn IS NOT NULL)",
      definition: "CREATE INDEX users_name_partial ON public.users (name) WHERE (ssn IS NOT NULL)",
    },
  ],
};
const orders: TableInfo = {
  schema: "public",
  name: "orders",
  kind: "table",
  columns: [col("id"), col("user_id"), col("user_ssn")],
  primaryKey: ["id"],
  foreignKeys: [
    {
      name: "orders_user",
      columns: ["user_id"],
      refSchema: "public",
      refTable: "users",
      refColumns: ["id"],
    },
    {
      name: "orders_ssn",
      columns: ["user_ssn"],
      refSchema: "public",
      refTable: "users",
      refColumns: ["ssn"],
    },
    {
      name: "orders_vault",
      columns: ["id"],
      refSchema: "hr",
      refTable: "vault",
      refColumns: ["id"],
    },
  ],
};
const vault: TableInfo = {
  schema: "hr",
  name: "vault",
  kind: "table",
  columns: [col("id"), col("secret")],
  primaryKey: ["id"],
  foreignKeys: [],
};
const snapshot: SchemaSnapshot = {
  database: "shop",
  tables: [users, orders, vault],
  loadedAt: 1,
  fingerprint: "f",
  schemas: [{ name: "public" }, { name: "hr" }],
  enums: [{ schema: "hr", name: "grade", values: ["a"] }, {
    schema: "public",
    name: "mood",
    values: ["ok"],
  }],
  domains: [{
    schema: "hr",
    name: "money_amount",
    baseType: "numeric",
    nullable: true,
    checks: [],
  }],
};

Deno.test("hideFromSnapshot() drops hidden tables and columns and what names them", () => {
  const out = hideFromSnapshot(snapshot, matcher(["hr.*"], ["users.ssn"]));
  assert.deepEqual(out.tables.map((t) => t.name), ["users", "orders"]);
  const u = out.tables[0];
  assert.deepEqual(u.columns.map((c) => c.name), ["id", "name", "ssn_last4"]);
  assert.equal(u.columns[2].generated, undefined);
  assert.deepEqual(u.primaryKey, ["id"]);
  assert.deepEqual(u.uniqueConstraints?.map((x) => x.name), ["users_name_key"]);
  assert.deepEqual(u.checks?.map((x) => x.name), ["name_len"]);
  assert.deepEqual(u.indexes?.map((x) => x.name), ["users_pkey"]);
  assert.deepEqual(out.tables[1].foreignKeys.map((f) => f.name), ["orders_user"]);
  assert.deepEqual(out.tables[1].columns.map((c) => c.name), ["id", "user_id", "user_ssn"]);
  assert.equal(JSON.stringify(out).includes("secret"), false);
  assert.deepEqual(out.schemas, [{ name: "public" }]);
  assert.deepEqual(out.enums?.map((e) => e.name), ["mood"]);
  assert.deepEqual(out.domains, []);
  assert.equal(/\bssn\b/i.test(JSON.stringify(out.tables[0])), false);
  // the input is not changed
  assert.equal(snapshot.tables.length, 3);
  assert.equal(users.columns.length, 4);
});

Deno.test("hideFromSnapshot() drops a key that names a hidden column, and nothing else", () => {
  const out = hideFromSnapshot(snapshot, matcher([], ["public.users.id"]));
  const oneTable = hideFromSnapshot(snapshot, matcher(["hr.vault"], []));
  assert.deepEqual(oneTable.schemas?.map((x) => x.name), ["public", "hr"]);
  assert.equal(oneTable.enums?.length, 2);
  const u = out.tables.find((t) => t.name === "users")!;
  assert.deepEqual(u.primaryKey, []);
  assert.deepEqual(u.indexes?.map((x) => x.name), ["users_ssn_lower", "users_name_partial"]);
  assert.deepEqual(out.tables[1].foreignKeys.map((f) => f.name), ["orders_ssn", "orders_vault"]);
  assert.equal(hideFromSnapshot(snapshot, matcher([], [])), snapshot);
});
