import type { DatabaseRegistry } from "../databases/registry.ts";
import { serveClientLogging } from "./client_log.ts";
import { promptRegistrar } from "./prompts.ts";
import { resourceRegistrar } from "./resources.ts";
import { AjvJsonSchemaValidator, type JsonSchemaValidatorProvider, McpServer } from "./sdk.ts";
import { type CallSource, serveTools, type ToolCatalog } from "./tool_catalog.ts";

/** What every MCP server of this process shares (HTTP builds one server per request). */
export interface ServerContext {
  version: string;
  tools: ToolCatalog;
  /** Resources and prompts, their templates and schemas made once (see `serverParts`). */
  parts: ServerParts;
}

/** What registers resources and prompts on a server, built once per process. */
export interface ServerParts {
  resources: (server: McpServer) => void;
  prompts: (server: McpServer) => void;
}

export function serverParts(databases: DatabaseRegistry, maxResultChars: number): ServerParts {
  return {
    resources: resourceRegistrar({ databases, maxResultChars }),
    prompts: promptRegistrar(databases),
  };
}

export const INSTRUCTIONS =
  "pg-mcp answers questions about PostgreSQL databases. Use `query` for plain-language " +
  "questions and `execute_sql` for SQL you write; `list_databases`, `list_tables`, " +
  "`describe_table` and `search_schema` show what there is. Everything runs read-only with a " +
  "timeout and a row cap.";

/**
 * What a server is built to answer: everything, or only tools (tools/list, tools/call) and
 * ping. HTTP builds a server per request and knows its messages first: registering the
 * resources and prompts (templates, argument schemas, completions) is most of the building.
 */
export type ServerScope = "all" | "tools";

/**
 * One MCP server with every tool, resource and prompt (or, for scope "tools", the tools only);
 * the transport is attached by the caller.
 */
export function createMcpServer(
  context: ServerContext,
  source: CallSource,
  scope: ServerScope = "all",
): McpServer {
  const server = new McpServer(
    { name: "pg-mcp", version: context.version },
    { instructions: INSTRUCTIONS, jsonSchemaValidator: lazyAjv() },
  );
  serveTools(server, context.tools, source, serveClientLogging(server));
  if (scope === "all") {
    context.parts.resources(server);
    context.parts.prompts(server);
  }
  return server;
}

/** Methods a "tools" server answers as a whole one does. */
const TOOLS_SCOPE: ReadonlySet<string> = new Set(["tools/call", "tools/list", "ping"]);

/** The scope a request body needs: "tools" when every message in it is one of TOOLS_SCOPE. */
export function scopeOf(body: unknown): ServerScope {
  const messages = Array.isArray(body) ? body : [body];
  const toolsOnly = messages.length > 0 && messages.every((m) => {
    const method = (m as { method?: unknown } | null)?.method;
    return typeof method === "string" && TOOLS_SCOPE.has(method);
  });
  return toolsOnly ? "tools" : "all";
}

/**
 * The SDK's default validator (Ajv with formats, for elicitation answers), built when the first
 * answer is checked rather than with every server: a few ms at a cold start, and HTTP builds a
 * server per request. One per server, as the SDK's default is (Ajv keeps what it compiled).
 */
export function lazyAjv(): JsonSchemaValidatorProvider {
  let ajv: AjvJsonSchemaValidator | undefined;
  return {
    getValidator: (schema) => (ajv ??= new AjvJsonSchemaValidator()).getValidator(schema),
  };
}
