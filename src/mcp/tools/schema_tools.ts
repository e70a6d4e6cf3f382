import { z } from "zod";
import { MAX_SEARCH_LIMIT } from "../../schema/lookup.ts";
import {
  describeTable,
  listDatabases,
  listSchemas,
  listTables,
  refreshSchema,
  type SchemaDeps,
  searchSchema,
} from "../../usecases/describe_schema.ts";
import { defineTool, type ToolDefinition } from "../tool.ts";
import { baseShape, databaseArg, READ_ONLY } from "./shapes.ts";

const columnShape = z.object({
  name: z.string(),
  type: z.string(),
  nullable: z.boolean(),
  default: z.string().optional(),
  identity: z.enum(["always", "by_default"]).optional(),
  generated: z.string().optional(),
  comment: z.string().optional(),
  enum_type: z.string().optional(),
  enum_values: z.array(z.string()).optional(),
  domain_type: z.string().optional(),
});
const tableKind = z.enum([
  "table",
  "view",
  "materialized_view",
  "partitioned_table",
  "foreign_table",
]);
const withDatabase = { ...baseShape, database: z.string().optional() };

/** list_databases, list_schemas, list_tables, describe_table, search_schema, refresh_schema. */
export function schemaTools(deps: SchemaDeps): ToolDefinition[] {
  return [
    defineTool({
      name: "list_databases",
      title: "List databases",
      description: "Lists the databases this server can query, with their PostgreSQL version " +
        "and whether the role it connects as is read-only. Pass a name as `database` to any tool.",
      input: {},
      output: {
        ...baseShape,
        databases: z.array(z.object({
          name: z.string(),
          default: z.boolean(),
          server_version: z.string().optional(),
          read_only_role: z.boolean().optional(),
          problems: z.array(z.string()).optional(),
          error: z.object({ code: z.string(), message: z.string() }).optional(),
        })).optional(),
      },
      annotations: { title: "List databases", ...READ_ONLY },
      run: () => listDatabases(deps),
    }),
    defineTool({
      name: "list_schemas",
      title: "List schemas",
      description:
        "Lists the database schemas pg-mcp can read, with their comments and table counts.",
      input: { database: databaseArg },
      output: {
        ...withDatabase,
        schemas: z.array(z.object({
          name: z.string(),
          comment: z.string().optional(),
          owner: z.string().optional(),
          tables: z.number().int(),
        })).optional(),
      },
      annotations: { title: "List schemas", ...READ_ONLY },
      run: (args) => listSchemas(args, deps),
    }),
    defineTool({
      name: "list_tables",
      title: "List tables",
      description: "Lists tables, views, materialized views, partitioned and foreign tables with " +
        "their estimated row counts and comments; optionally only those of one schema. Big " +
        "catalogs come in pages: pass next_cursor back as `cursor` for the next one.",
      input: {
        schema: z.string().min(1).max(200).optional().describe("Only this schema"),
        database: databaseArg,
        cursor: z.string().max(1_000).optional().describe("next_cursor of the previous page"),
      },
      output: {
        ...withDatabase,
        tables: z.array(z.object({
          schema: z.string(),
          name: z.string(),
          kind: tableKind,
          estimated_rows: z.number().optional(),
          comment: z.string().optional(),
        })).optional(),
        next_cursor: z.string().optional(),
      },
      annotations: { title: "List tables", ...READ_ONLY },
      run: (args) => listTables(args, deps),
    }),
    defineTool({
      name: "describe_table",
      title: "Describe a table",
      description:
        "Describes one table or view: columns (types, nullability, defaults, identity, " +
        "generated, comments, enum values), primary key, unique constraints, checks, indexes, " +
        "and foreign keys in both directions. The schema may be left out when the name is unique.",
      input: {
        table: z.string().min(1).max(200).describe("The table's exact name"),
        schema: z.string().min(1).max(200).optional().describe("The table's schema"),
        database: databaseArg,
      },
      output: {
        ...withDatabase,
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
        foreign_keys: z.array(z.object({
          name: z.string(),
          columns: z.array(z.string()),
          ref_schema: z.string(),
          ref_table: z.string(),
          ref_columns: z.array(z.string()),
        })).optional(),
        referenced_by: z.array(z.object({
          schema: z.string(),
          table: z.string(),
          name: z.string(),
          columns: z.array(z.string()),
          ref_columns: z.array(z.string()),
        })).optional(),
      },
      annotations: { title: "Describe a table", ...READ_ONLY },
      run: (args) => describeTable(args, deps),
    }),
    defineTool({
      name: "search_schema",
      title: "Search the schema",
      description: "Ranks the tables relevant to a query (keywords or a plain-language question) " +
        "by their names, column names, comments and enum values, plus foreign-key neighbours: " +
        "the same retrieval that picks the tables for `query`'s prompt.",
      input: {
        query: z.string().min(1).max(10_000).describe("Keywords or a question"),
        limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional().describe(
          "How many tables to return (default 10)",
        ),
        database: databaseArg,
      },
      output: {
        ...withDatabase,
        results: z.array(z.object({ schema: z.string(), table: z.string(), score: z.number() }))
          .optional(),
      },
      annotations: { title: "Search the schema", ...READ_ONLY },
      run: (args) => searchSchema(args, deps),
    }),
    defineTool({
      name: "refresh_schema",
      title: "Reload the schema",
      description: "Reads the database catalog again now, instead of waiting for the cache to " +
        "expire or notice the change.",
      input: { database: databaseArg },
      output: {
        ...withDatabase,
        schemas: z.number().int().optional(),
        tables: z.number().int().optional(),
      },
      annotations: { title: "Reload the schema", ...READ_ONLY },
      run: (args) => refreshSchema(args, deps),
    }),
  ];
}
