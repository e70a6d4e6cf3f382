import { z } from "zod";
import { ok, type Result } from "../../errors.ts";
import type { SchemaCache } from "../../schema/schema_cache.ts";
import {
  describeTable,
  listSchemas,
  listTables,
  MAX_SEARCH_LIMIT,
  searchSchema,
} from "../../schema/lookup.ts";
import type { SchemaSnapshot } from "../../schema/types.ts";
import type { McpServer } from "../sdk.ts";
import { toToolResult } from "../tool_result.ts";
import { errorShape } from "./shapes.ts";

export interface SchemaToolDeps {
  schema: SchemaCache;
}

const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** Every body carries `success`; failures carry `error` (the client validates both). */
const base = { success: z.boolean(), error: errorShape.optional() };

const columnShape = z.object({
  name: z.string(),
  type: z.string(),
  nullable: z.boolean(),
  default: z.string().optional(),
  identity: z.enum(["always", "by_default"]).optional(),
  generated: z.string().optional(),
  comment: z.string().optional(),
  enumType: z.string().optional(),
  enumValues: z.array(z.string()).optional(),
  domainType: z.string().optional(),
});
const fkShape = z.object({
  name: z.string(),
  columns: z.array(z.string()),
  refSchema: z.string(),
  refTable: z.string(),
  refColumns: z.array(z.string()),
});
const tableKind = z.enum([
  "table",
  "view",
  "materialized_view",
  "partitioned_table",
  "foreign_table",
]);

const tableShape = {
  ...base,
  schema: z.string().optional(),
  name: z.string().optional(),
  kind: tableKind.optional(),
  comment: z.string().optional(),
  estimated_rows: z.number().optional(),
  columns: z.array(columnShape).optional(),
  primary_key: z.array(z.string()).optional(),
  unique_constraints: z.array(z.object({ name: z.string(), columns: z.array(z.string()) }))
    .optional(),
  checks: z.array(z.object({ name: z.string(), definition: z.string() })).optional(),
  indexes: z.array(z.object({
    name: z.string(),
    columns: z.array(z.string()),
    unique: z.boolean(),
    primary: z.boolean(),
    method: z.string(),
    predicate: z.string().optional(),
    definition: z.string(),
  })).optional(),
  foreign_keys: z.array(fkShape).optional(),
  referenced_by: z.array(z.object({
    schema: z.string(),
    table: z.string(),
    name: z.string(),
    columns: z.array(z.string()),
    refColumns: z.array(z.string()),
  })).optional(),
};

/** Runs `answer` on the cached snapshot; a failed load is the tool's error. */
async function withSnapshot<T extends object>(
  cache: SchemaCache,
  answer: (snapshot: SchemaSnapshot) => Result<T>,
): Promise<Result<T & { success: true }>> {
  const snapshot = await cache.get();
  if (!snapshot.ok) return snapshot;
  const result = answer(snapshot.value);
  return result.ok ? ok({ success: true as const, ...result.value }) : result;
}

export function registerSchemaTools(server: McpServer, deps: SchemaToolDeps): void {
  server.registerTool("list_schemas", {
    title: "List schemas",
    description:
      "Lists the database schemas pg-mcp can read, with their comments and table counts.",
    inputSchema: {},
    outputSchema: {
      ...base,
      database: z.string().optional(),
      schemas: z.array(z.object({
        name: z.string(),
        comment: z.string().optional(),
        owner: z.string().optional(),
        tables: z.number().int(),
      })).optional(),
    },
    annotations: { title: "List schemas", ...READ_ONLY },
  }, async () =>
    toToolResult(
      await withSnapshot(deps.schema, (s) => ok({ database: s.database, schemas: listSchemas(s) })),
    ));

  server.registerTool("list_tables", {
    title: "List tables",
    description: "Lists tables, views, materialized views, partitioned and foreign tables with " +
      "their estimated row counts and comments; optionally only those of one schema.",
    inputSchema: {
      schema: z.string().min(1).max(200).optional().describe("Only this schema"),
    },
    outputSchema: {
      ...base,
      tables: z.array(z.object({
        schema: z.string(),
        name: z.string(),
        kind: tableKind,
        estimated_rows: z.number().optional(),
        comment: z.string().optional(),
      })).optional(),
    },
    annotations: { title: "List tables", ...READ_ONLY },
  }, async ({ schema }) =>
    toToolResult(
      await withSnapshot(deps.schema, (s) => {
        const tables = listTables(s, schema);
        return tables.ok ? ok({ tables: tables.value }) : tables;
      }),
    ));

  server.registerTool(
    "describe_table",
    {
      title: "Describe a table",
      description:
        "Describes one table or view: columns (types, nullability, defaults, identity, " +
        "generated, comments, enum values), primary key, unique constraints, checks, indexes, and " +
        "foreign keys in both directions. The schema may be left out when the name is unique.",
      inputSchema: {
        table: z.string().min(1).max(200).describe("The table's exact name"),
        schema: z.string().min(1).max(200).optional().describe("The table's schema"),
      },
      outputSchema: tableShape,
      annotations: { title: "Describe a table", ...READ_ONLY },
    },
    async ({ table, schema }) =>
      toToolResult(await withSnapshot(deps.schema, (s) => describeTable(s, table, schema))),
  );

  server.registerTool("search_schema", {
    title: "Search the schema",
    description: "Ranks the tables relevant to a query (keywords or a plain-language question) " +
      "by their names, column names, comments and enum values, plus foreign-key neighbours: the " +
      "same retrieval that picks the tables for `query`'s prompt.",
    inputSchema: {
      query: z.string().min(1).max(10_000).describe("Keywords or a question"),
      limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe(
        "How many tables to return (default 10)",
      ),
    },
    outputSchema: {
      ...base,
      results: z.array(z.object({ schema: z.string(), table: z.string(), score: z.number() }))
        .optional(),
    },
    annotations: { title: "Search the schema", ...READ_ONLY },
  }, async ({ query, limit }) =>
    toToolResult(
      await withSnapshot(deps.schema, (s) => ok({ results: searchSchema(s, query, limit) })),
    ));

  server.registerTool("refresh_schema", {
    title: "Reload the schema",
    description: "Reads the database catalog again now, instead of waiting for the cache to " +
      "expire or notice the change.",
    inputSchema: {},
    outputSchema: {
      ...base,
      database: z.string().optional(),
      schemas: z.number().int().optional(),
      tables: z.number().int().optional(),
    },
    annotations: { title: "Reload the schema", ...READ_ONLY },
  }, async () => {
    const snapshot = await deps.schema.refresh();
    return toToolResult(
      snapshot.ok
        ? ok({
          success: true,
          database: snapshot.value.database,
          schemas: listSchemas(snapshot.value).length,
          tables: snapshot.value.tables.length,
        })
        : snapshot,
    );
  });
}
