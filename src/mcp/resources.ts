import type { SchemaCache } from "../schema/schema_cache.ts";
import { describeTable, listSchemas } from "../schema/lookup.ts";
import { enumValuesOf, renderTable } from "../schema/render.ts";
import type { SchemaSnapshot } from "../schema/types.ts";
import { ErrorCode, McpError, type McpServer, ResourceTemplate } from "./sdk.ts";

export interface SchemaResourceDeps {
  schema: SchemaCache;
}

export const OVERVIEW_URI = "schema://overview";
export const TABLE_URI_TEMPLATE = "schema://table/{schema}/{table}";
/** Completion answers are capped at 100 values by MCP. */
const MAX_COMPLETIONS = 100;
/** Resources listed by resources/list; beyond this, use completions or list_tables. */
const MAX_LISTED = 1_000;

export function tableUri(schema: string, table: string): string {
  return `schema://table/${encodeURIComponent(schema)}/${encodeURIComponent(table)}`;
}

/** Schema overview (`schema://overview`) and one resource per table, with name completions. */
export function registerSchemaResources(server: McpServer, deps: SchemaResourceDeps): void {
  server.registerResource("schema_overview", OVERVIEW_URI, {
    title: "Database schema overview",
    description: "Every schema and table pg-mcp can read, with kinds, row estimates and comments",
    mimeType: "text/plain",
  }, async (uri) => {
    const snapshot = await loaded(deps.schema);
    return { contents: [{ uri: uri.href, mimeType: "text/plain", text: overview(snapshot) }] };
  });

  const template = new ResourceTemplate(TABLE_URI_TEMPLATE, {
    list: async () => {
      const snapshot = await loaded(deps.schema);
      return {
        resources: snapshot.tables.slice(0, MAX_LISTED).map((t) => ({
          uri: tableUri(t.schema, t.name),
          name: `${t.schema}.${t.name}`,
          mimeType: "text/plain",
          ...(t.comment ? { description: t.comment } : {}),
        })),
      };
    },
    complete: {
      schema: async (value) => {
        const snapshot = await deps.schema.get();
        if (!snapshot.ok) return [];
        return startingWith(listSchemas(snapshot.value).map((s) => s.name), value);
      },
      table: async (value, context) => {
        const snapshot = await deps.schema.get();
        if (!snapshot.ok) return [];
        const schema = context?.arguments?.schema;
        const names = snapshot.value.tables
          .filter((t) => !schema || t.schema === schema)
          .map((t) => t.name);
        return startingWith([...new Set(names)], value);
      },
    },
  });

  server.registerResource("table", template, {
    title: "Table definition",
    description: "One table's definition: compact DDL with keys, comments and enum values, " +
      "then its indexes and the foreign keys that point at it",
    mimeType: "text/plain",
  }, async (uri, variables) => {
    const schema = decode(variables.schema);
    const table = decode(variables.table);
    const snapshot = await loaded(deps.schema);
    const described = describeTable(snapshot, table, schema);
    if (!described.ok) {
      throw new McpError(ErrorCode.InvalidParams, described.error.message, described.error.details);
    }
    const info = snapshot.tables.find((t) => t.schema === schema && t.name === table)!;
    const lines = [renderTable(info, enumValuesOf(snapshot))];
    for (const index of described.value.indexes) lines.push(`-- index: ${index.definition}`);
    for (const ref of described.value.referenced_by) {
      lines.push(
        `-- referenced by ${ref.schema}.${ref.table}(${ref.columns.join(", ")}) → (${
          ref.refColumns.join(", ")
        })`,
      );
    }
    return { contents: [{ uri: uri.href, mimeType: "text/plain", text: lines.join("\n") }] };
  });
}

async function loaded(cache: SchemaCache): Promise<SchemaSnapshot> {
  const snapshot = await cache.get();
  if (!snapshot.ok) {
    throw new McpError(ErrorCode.InternalError, snapshot.error.message, {
      code: snapshot.error.code,
    });
  }
  return snapshot.value;
}

function overview(snapshot: SchemaSnapshot): string {
  const lines = [`Database ${snapshot.database}: ${snapshot.tables.length} tables and views`];
  for (const s of listSchemas(snapshot)) {
    lines.push("", `Schema ${s.name} (${s.tables} tables)${s.comment ? ` -- ${s.comment}` : ""}`);
    for (const t of snapshot.tables.filter((t) => t.schema === s.name)) {
      const rows = t.estimatedRows !== undefined ? `, ~${t.estimatedRows} rows` : "";
      const comment = t.comment ? ` -- ${t.comment.replace(/\s+/g, " ")}` : "";
      lines.push(`  ${t.name} (${t.kind.replace("_", " ")}${rows})${comment}`);
    }
  }
  return lines.join("\n");
}

function startingWith(names: string[], prefix: string): string[] {
  const lower = prefix.toLowerCase();
  return names.filter((n) => n.toLowerCase().startsWith(lower)).sort().slice(0, MAX_COMPLETIONS);
}

function decode(value: string | string[]): string {
  const raw = Array.isArray(value) ? value.join("/") : value;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
