import type { DatabaseRegistry } from "../databases/registry.ts";
import { describeTable, listSchemas } from "../schema/lookup.ts";
import { enumValuesOf, renderTable } from "../schema/render.ts";
import type { SchemaSnapshot } from "../schema/types.ts";
import { ErrorCode, McpError, type McpServer, ResourceTemplate } from "./sdk.ts";

export interface SchemaResourceDeps {
  databases: DatabaseRegistry;
  /** The most characters one resource's text may take (MCP_MAX_RESULT_CHARS). */
  maxResultChars: number;
}

export const OVERVIEW_URI_TEMPLATE = "schema://{database}/overview";
export const TABLE_URI_TEMPLATE = "schema://{database}/table/{schema}/{table}";
/** Completion answers are capped at 100 values by MCP. */
const MAX_COMPLETIONS = 100;
/** Table resources listed by resources/list; beyond this, use completions or list_tables. */
const MAX_LISTED = 1_000;

export function overviewUri(database: string): string {
  return `schema://${encodeURIComponent(database)}/overview`;
}

export function tableUri(database: string, schema: string, table: string): string {
  return `schema://${encodeURIComponent(database)}/table/${encodeURIComponent(schema)}/${
    encodeURIComponent(table)
  }`;
}

/**
 * Per database: an overview (`schema://{database}/overview`, every schema and table with kinds,
 * row estimates and comments) and one resource per table (compact DDL), with completion of the
 * database, schema and table names.
 */
export function resourceRegistrar(deps: SchemaResourceDeps): (server: McpServer) => void {
  const completeDatabase = (value: string) => startingWith(deps.databases.names(), value);
  // Templates and handlers are made once per process; each (per-request) server registers them.
  const overviewTemplate = new ResourceTemplate(OVERVIEW_URI_TEMPLATE, {
    list: () =>
      Promise.resolve({
        resources: deps.databases.list().map((db) => ({
          uri: overviewUri(db.name),
          name: `${db.name} overview`,
          mimeType: "text/plain",
        })),
      }),
    complete: { database: completeDatabase },
  });
  const overviewMeta = {
    title: "Database overview",
    description: "Every schema and table of one database, with kinds, row estimates and comments",
    mimeType: "text/plain",
  };
  const readOverview = async (uri: URL, variables: Record<string, string | string[]>) => {
    const { name, snapshot } = await loaded(deps, variables.database);
    return {
      contents: [{
        uri: uri.href,
        mimeType: "text/plain",
        text: overview(name, snapshot, deps.maxResultChars),
      }],
    };
  };

  const tableTemplate = new ResourceTemplate(TABLE_URI_TEMPLATE, {
    list: async () => {
      const resources = [];
      for (const db of deps.databases.list()) {
        const snapshot = await db.schema.get();
        if (!snapshot.ok) continue;
        for (const t of snapshot.value.tables) {
          if (resources.length >= MAX_LISTED) break;
          resources.push({
            uri: tableUri(db.name, t.schema, t.name),
            name: `${db.name}: ${t.schema}.${t.name}`,
            mimeType: "text/plain",
            ...(t.comment ? { description: t.comment } : {}),
          });
        }
      }
      return { resources };
    },
    complete: {
      database: completeDatabase,
      schema: async (value, context) => {
        const snapshot = await snapshotOf(deps, context?.arguments?.database);
        if (!snapshot) return [];
        return startingWith(listSchemas(snapshot).map((s) => s.name), value);
      },
      table: async (value, context) => {
        const snapshot = await snapshotOf(deps, context?.arguments?.database);
        if (!snapshot) return [];
        const schema = context?.arguments?.schema;
        const names = snapshot.tables
          .filter((t) => !schema || t.schema === schema)
          .map((t) => t.name);
        return startingWith([...new Set(names)], value);
      },
    },
  });
  const tableMeta = {
    title: "Table definition",
    description: "One table's definition: compact DDL with keys, comments and enum values, " +
      "then its indexes and the foreign keys that point at it",
    mimeType: "text/plain",
  };
  const readTable = async (uri: URL, variables: Record<string, string | string[]>) => {
    const schema = decode(variables.schema);
    const table = decode(variables.table);
    const { snapshot } = await loaded(deps, variables.database);
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
          ref.ref_columns.join(", ")
        })`,
      );
    }
    return { contents: [{ uri: uri.href, mimeType: "text/plain", text: lines.join("\n") }] };
  };

  return (server) => {
    server.registerResource("schema_overview", overviewTemplate, overviewMeta, readOverview);
    server.registerResource("table", tableTemplate, tableMeta, readTable);
  };
}

async function snapshotOf(
  deps: SchemaResourceDeps,
  database: string | undefined,
): Promise<SchemaSnapshot | undefined> {
  const db = deps.databases.resolve(database);
  if (!db.ok) return undefined;
  const snapshot = await db.value.schema.get();
  return snapshot.ok ? snapshot.value : undefined;
}

async function loaded(
  deps: SchemaResourceDeps,
  database: string | string[],
): Promise<{ name: string; snapshot: SchemaSnapshot }> {
  const db = deps.databases.resolve(decode(database));
  if (!db.ok) throw new McpError(ErrorCode.InvalidParams, db.error.message, db.error.details);
  const snapshot = await db.value.schema.get();
  if (!snapshot.ok) {
    throw new McpError(ErrorCode.InternalError, snapshot.error.message, {
      code: snapshot.error.code,
    });
  }
  return { name: db.value.name, snapshot: snapshot.value };
}

/** The overview, cut (and saying so) where it would pass the budget. */
export function overview(name: string, snapshot: SchemaSnapshot, maxChars: number): string {
  const lines = [
    `Database ${name} (${snapshot.database}): ${snapshot.tables.length} tables and views`,
  ];
  let chars = lines[0].length;
  let shown = 0;
  for (const s of listSchemas(snapshot)) {
    const head = `\nSchema ${s.name} (${s.tables} tables)${s.comment ? ` -- ${s.comment}` : ""}`;
    for (const [i, t] of snapshot.tables.filter((t) => t.schema === s.name).entries()) {
      const rows = t.estimatedRows !== undefined ? `, ~${t.estimatedRows} rows` : "";
      const comment = t.comment ? ` -- ${t.comment.replace(/\s+/g, " ")}` : "";
      const line = `${i === 0 ? `${head}\n` : ""}  ${t.name} (${
        t.kind.replace("_", " ")
      }${rows})${comment}`;
      if (chars + line.length + 200 > maxChars) {
        lines.push(
          `\n... ${snapshot.tables.length - shown} more tables: use the list_tables tool ` +
            "(it pages with a cursor) or search_schema",
        );
        return lines.join("\n");
      }
      lines.push(line);
      chars += line.length + 1;
      shown++;
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
