import assert from "node:assert/strict";
import { createHiddenMatcher, type HiddenPatterns, parseHiddenPattern } from "./patterns.ts";

function parse(items: string[], kind: "table" | "column") {
  return items.map((i) => {
    const p = parseHiddenPattern(i, kind);
    if (!p.ok) throw p.error;
    return p.value;
  });
}

const patterns: HiddenPatterns = {
  tables: parse(["hr.*", "audit_log", "public.vault"], "table"),
  columns: parse(["*.password", "public.users.ssn", "orders.note"], "column"),
};

Deno.test("HiddenMatcher matches whole parts, * as any name, case-insensitively", () => {
  const m = createHiddenMatcher(patterns, () => ["pg_catalog", "public"]);
  assert.equal(m.empty, false);
  assert.equal(m.hiddenTable("hr", "salaries")?.text, "hr.*");
  assert.equal(m.hiddenTable("HR", "Salaries")?.text, "hr.*");
  assert.equal(m.hiddenTable("hrx", "salaries"), undefined);
  assert.equal(m.hiddenTable("sales", "audit_log")?.text, "audit_log");
  assert.equal(m.hiddenTable(undefined, "audit_log")?.text, "audit_log");
  assert.equal(m.hiddenTable(undefined, "vault")?.text, "public.vault");
  assert.equal(m.hiddenTable("sales", "vault"), undefined);
  assert.equal(m.hiddenTable(undefined, "salaries"), undefined); // hr is not on the path
  assert.equal(m.hiddenColumn("x", "y", "PASSWORD")?.text, "*.password");
  assert.equal(m.hiddenColumn("public", "users", "ssn")?.text, "public.users.ssn");
  assert.equal(m.hiddenColumn(undefined, "users", "ssn")?.text, "public.users.ssn");
  assert.equal(m.hiddenColumn("crm", "users", "ssn"), undefined);
  assert.equal(m.hiddenColumn("crm", "orders", "note")?.text, "orders.note");
  assert.equal(m.hiddenColumn("crm", "orders", "notes"), undefined);
  assert.equal(m.mayHideColumns("crm", "anything")?.text, "*.password");
});

Deno.test("HiddenMatcher treats an unknown search path as every schema", () => {
  const m = createHiddenMatcher(patterns);
  assert.equal(m.hiddenTable(undefined, "salaries")?.text, "hr.*");
  assert.equal(m.hiddenColumn(undefined, "users", "ssn")?.text, "public.users.ssn");
  const session: { path?: string[] } = {};
  const live = createHiddenMatcher(patterns, () => session.path);
  assert.ok(live.hiddenTable(undefined, "salaries"));
  session.path = ["pg_catalog", "public"];
  assert.equal(live.hiddenTable(undefined, "salaries"), undefined);
  assert.equal(createHiddenMatcher({ tables: [], columns: [] }).empty, true);
});

Deno.test("HiddenMatcher.generation() changes when the search path is read again, only then", () => {
  let path: readonly string[] | undefined;
  const m = createHiddenMatcher({ tables: [], columns: [] }, () => path);
  const first = m.generation();
  assert.equal(m.generation(), first);
  path = ["public"];
  const second = m.generation();
  assert.notEqual(second, first);
  assert.equal(m.generation(), second);
  path = ["public"]; // read again: the same schemas, a new reading
  assert.notEqual(m.generation(), second);
});
