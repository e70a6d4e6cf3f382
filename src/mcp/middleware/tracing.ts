import { inSpan, type Tracer } from "../../observability/tracing.ts";
import type { Middleware } from "../tool.ts";

/**
 * A span per tool call, named and attributed after OpenTelemetry's MCP semantic conventions
 * ("tools/call <tool>", mcp.method.name, gen_ai.tool.name, jsonrpc.request.id); the model calls
 * (fetch, instrumented by Deno) and the database calls become its children.
 */
export function withTracing(tracer: Tracer): Middleware {
  return (tool, next) => (args, call) =>
    inSpan(tracer, `tools/call ${tool.name}`, {
      "mcp.method.name": "tools/call",
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": tool.name,
      "jsonrpc.request.id": String(call.requestId),
      "network.transport": call.transport === "stdio" ? "pipe" : "tcp",
      ...(typeof args.database === "string" ? { "db.namespace": args.database } : {}),
    }, () =>
      next(args, call), true);
}
