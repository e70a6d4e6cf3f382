/**
 * The tools' schemas as tools/list gives them: every sub-schema says what its value is (the MCP
 * Inspector's `--strict` rules), and what pg-mcp really returns passes them. The official client
 * validates every structuredContent against the listed output schema once it has listed the
 * tools, so each call below fails if the schema rejects a value pg-mcp returns.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { sharedTestCluster } from "./support/test_cluster.ts";
import { connectInMemory } from "./support/in_memory_mcp.ts";
import { checkAnswer, sqlAnswer, startNlApp } from "./support/nl_app.ts";
import { createTarget, startMcp } from "./safety/harness.ts";

/** Keywords whose value is a schema (or a map or list of schemas), as JSON Schema defines them. */
const SUBSCHEMA = ["items", "additionalProperties", "not", "propertyNames", "contains", "if"];
const SUBSCHEMA_LISTS = ["anyOf", "allOf", "oneOf", "prefixItems"];
const SUBSCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions"];
/** Keywords that constrain a value; a schema with none of them accepts anything. */
const CONSTRAINING = new Set([
  "type",
  "enum",
  "const",
  "anyOf",
  "allOf",
  "oneOf",
  "not",
  "items",
  "properties",
  "additionalProperties",
  "required",
  "$ref",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "pattern",
  "format",
]);

/** Where a schema accepts any value, uses a `type` array, or a bare boolean as a schema. */
function looseSpots(schema: unknown, path = ""): string[] {
  if (typeof schema === "boolean") return [`${path}: bare ${schema}`];
  if (schema === null || typeof schema !== "object") return [];
  const node = schema as Record<string, unknown>;
  const found: string[] = [];
  if (!Object.keys(node).some((k) => CONSTRAINING.has(k))) found.push(`${path}: accepts anything`);
  if (Array.isArray(node.type)) found.push(`${path}: type array ${JSON.stringify(node.type)}`);
  for (const key of SUBSCHEMA) {
    if (!(key in node)) continue;
    if (key === "additionalProperties" && typeof node[key] === "boolean") continue;
    found.push(...looseSpots(node[key], `${path}.${key}`));
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) {
      list.forEach((s, i) => found.push(...looseSpots(s, `${path}.${key}[${i}]`)));
    }
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (map && typeof map === "object") {
      for (const [name, s] of Object.entries(map)) {
        found.push(...looseSpots(s, `${path}.${key}.${name}`));
      }
    }
  }
  return found;
}

Deno.test("looseSpots() finds {}, true, type arrays at any depth, and passes typed schemas", () => {
  assert.deepEqual(looseSpots({ type: "object", properties: { a: { type: "string" } } }), []);
  assert.deepEqual(looseSpots({ type: "object", additionalProperties: true }), []);
  assert.deepEqual(
    looseSpots({
      type: "object",
      properties: {
        a: {},
        b: { type: "array", items: { type: ["string", "null"] } },
        c: { anyOf: [{ type: "string" }, { description: "anything" }] },
        d: { type: "object", additionalProperties: {} },
        e: { type: "array", items: true },
      },
    }),
    [
      ".properties.a: accepts anything",
      '.properties.b.items: type array ["string","null"]',
      ".properties.c.anyOf[1]: accepts anything",
      ".properties.d.additionalProperties: accepts anything",
      ".properties.e.items: bare true",
    ],
  );
});

async function listedTools(client: Client) {
  return (await client.listTools()).tools;
}

Deno.test("tools/list: no input or output schema accepts anything or uses a type array", async () => {
  await using nl = await startNlApp([], { env: { SECURITY_ALLOW_WRITE_OPERATIONS: "true" } });
  await using mcp = await connectInMemory(nl.app.server);
  const tools = await listedTools(mcp.client);
  assert.ok(tools.some((t) => t.name === "execute_write"), tools.map((t) => t.name).join());
  const spots = tools.flatMap((t) => [
    ...looseSpots(t.inputSchema, `${t.name} inputSchema`),
    ...looseSpots(t.outputSchema, `${t.name} outputSchema`),
  ]);
  assert.deepEqual(spots, []);
  const execute = tools.find((t) => t.name === "execute_sql")!;
  const data = (execute.outputSchema!.properties as Record<string, Record<string, unknown>>).data;
  const rows = (data.properties as Record<string, Record<string, unknown>>).rows;
  assert.deepEqual((rows.items as { items: unknown }).items, {
    anyOf: [
      { type: "string" },
      { type: "number" },
      { type: "boolean" },
      { type: "null" },
      { type: "object", propertyNames: { type: "string" }, additionalProperties: true },
      { type: "array" },
    ],
  });
});

/** One row of every kind of value PostgreSQL gives pg-mcp (no program, host or file). */
const EVERY_TYPE = `SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740993::int8 AS i8,
  12.50::numeric AS num, 1.5::float8 AS f8, 'NaN'::float8 AS nan, '-Infinity'::float4 AS ninf,
  12.5::money AS cash, true AS yes, NULL::int AS nothing, 'text' AS t, 'x'::char(3) AS ch,
  '{"a": [1, {"b": null}]}'::json AS obj, '[1, "two", null]'::jsonb AS arr, '3'::jsonb AS js_num,
  '"s"'::json AS js_str, 'null'::jsonb AS js_null, ARRAY[1, NULL, 3] AS ints,
  ARRAY[[1, 2], [3, 4]] AS matrix, ARRAY['a', NULL]::text[] AS texts,
  ARRAY['{"k": 1}'::jsonb] AS jsons, '\\xdeadbeef'::bytea AS bin, date '2024-02-29' AS d,
  timestamptz '2024-01-01 12:00+00' AS ts, interval '1 day 2 hours' AS iv,
  '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::uuid AS id, point(1, 2) AS pt,
  int4range(1, 5) AS r, ROW(1, 'a') AS rec, 'a b'::tsvector AS tsv, B'101' AS bits,
  '<a/>'::xml AS doc, '192.168.0.1'::inet AS ip`;

Deno.test("execute_sql: every value type, truncation, EXPLAIN and each error shape pass the listed output schema", async () => {
  const target = await createTarget(await sharedTestCluster(), "schemas");
  try {
    await using mcp = await startMcp({
      DATABASE_URL: target.url,
      SECURITY_MAX_ROWS: "2",
      SECURITY_MAX_QUERY_COST: "100000",
    });
    await listedTools(mcp.client);
    const validator = (mcp.client as unknown as {
      getToolOutputValidator(name: string): unknown;
    }).getToolOutputValidator("execute_sql");
    assert.equal(typeof validator, "function", "the client validates execute_sql's answers");

    const all = await mcp.call("execute_sql", { sql: EVERY_TYPE });
    assert.equal(all.isError, false, all.text);
    const [row] = (all.structured.data as { rows: unknown[][] }).rows;
    const kinds = new Set(
      row.map((v) => v === null ? "null" : Array.isArray(v) ? "array" : typeof v),
    );
    assert.deepEqual([...kinds].sort(), ["array", "boolean", "null", "number", "object", "string"]);

    const cut = await mcp.call("execute_sql", { sql: "SELECT username FROM users ORDER BY id" });
    assert.equal(cut.structured.truncated, true);
    const explained = await mcp.call("execute_sql", { sql: "EXPLAIN SELECT * FROM users" });
    assert.equal(explained.isError, false, explained.text);

    const codes: string[] = [];
    for (
      const sql of [
        "DROP TABLE users", // SECURITY_VIOLATION with a reason
        "SELECT nosuch FROM users", // DB_FAILED with sqlstate and position
        "SELEC 1", // SQL_PARSE_FAILED
        "SELECT count(*) FROM users a, users b, users c, users d, users e, users f", // cost gate
      ]
    ) {
      const r = await mcp.call("execute_sql", { sql });
      assert.equal(r.isError, true, sql);
      codes.push((r.structured.error as { code: string }).code);
    }
    assert.deepEqual(codes, [
      "SECURITY_VIOLATION",
      "DB_FAILED",
      "SQL_PARSE_FAILED",
      "QUERY_TOO_EXPENSIVE",
    ]);
    const bad = await mcp.call("execute_sql", { sql: 42 });
    assert.equal((bad.structured.error as { code: string }).code, "INVALID_INPUT");
    const tables = await mcp.call("list_tables", {});
    assert.equal(tables.isError, false, tables.text);
    const missing = await mcp.call("describe_table", { table: "nosuch" });
    assert.equal(missing.isError, true);
  } finally {
    await target.close();
  }
});

Deno.test("query: a repaired answer's attempts (PostgreSQL's fields) and a failure pass the listed output schema", async () => {
  await using nl = await startNlApp([
    sqlAnswer("SELECT name, monthlymaintenence FROM cd.facilities ORDER BY facid"),
    sqlAnswer("SELECT name, monthlymaintenance, ARRAY[facid] AS ids FROM cd.facilities"),
    checkAnswer(80),
    sqlAnswer("DELETE FROM cd.members"),
  ]);
  await using mcp = await connectInMemory(nl.app.server);
  await listedTools(mcp.client);
  const repaired = await mcp.client.callTool({
    name: "query",
    arguments: { question: "What does each facility cost?" },
  });
  const body = repaired.structuredContent as { attempts: Record<string, unknown>[] };
  assert.equal(repaired.isError, undefined, JSON.stringify(body));
  assert.equal(body.attempts[0].error && typeof body.attempts[0].error, "object");
  const first = body.attempts[0].error as Record<string, unknown>;
  assert.equal(first.sqlstate, "42703");
  assert.equal(typeof first.position, "number");
  const refused = await mcp.client.callTool({
    name: "query",
    arguments: { question: "Remove every member" },
  });
  assert.equal(refused.isError, true);
});
