import type { AskDeps } from "../pipeline/answer_question.ts";
import type { RunLimits } from "../pipeline/run_sql.ts";
import type { Metrics } from "../http/metrics.ts";
import { instrumentTools } from "./instrument.ts";
import { McpServer } from "./sdk.ts";
import { registerExecuteSqlTool } from "./tools/execute_sql_tool.ts";
import { registerExecuteWriteTool, type WriteToolDeps } from "./tools/execute_write_tool.ts";
import { registerQueryTool } from "./tools/query_tool.ts";
import { registerSchemaResources } from "./resources.ts";
import { registerSchemaTools } from "./tools/schema_tools.ts";

export interface ServerDeps extends AskDeps {
  limits: RunLimits;
  version: string;
  /** Present only with SECURITY_ALLOW_WRITE_OPERATIONS=true: then `execute_write` exists. */
  write?: WriteToolDeps;
  /** When present, every tool call is counted by outcome and timed. */
  metrics?: Metrics;
  now?: () => number;
}

/** One MCP server with every tool and resource; transports are attached by the caller. */
export function createMcpServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: "pg-mcp", version: deps.version },
    {
      instructions:
        "pg-mcp answers questions about a PostgreSQL database. Use `query` for plain-language " +
        "questions. Everything runs read-only with a timeout and a row cap.",
    },
  );
  if (deps.metrics) instrumentTools(server, deps.metrics, deps.now ?? Date.now);
  registerQueryTool(server, deps, deps.limits);
  registerExecuteSqlTool(server, deps, deps.limits);
  registerExecuteWriteTool(server, deps.write);
  registerSchemaTools(server, deps);
  registerSchemaResources(server, deps);
  return server;
}
