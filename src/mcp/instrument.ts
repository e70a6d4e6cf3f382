import type { Metrics } from "../http/metrics.ts";
import type { CallToolResult, McpServer } from "./sdk.ts";

/**
 * Counts every tool call by outcome and duration, in one place: each tool registered on the
 * returned server is wrapped, whatever file registers it.
 */
export function instrumentTools(server: McpServer, metrics: Metrics, now: () => number): McpServer {
  const register = server.registerTool.bind(server);
  // deno-lint-ignore no-explicit-any -- the SDK's overloads are generic over each tool's schema
  (server as any).registerTool = (name: string, config: unknown, handler: any) =>
    // deno-lint-ignore no-explicit-any
    register(name, config as any, async (...args: unknown[]) => {
      const started = now();
      const result: CallToolResult = await handler(...args);
      const error = (result.structuredContent as { error?: { code?: string } } | undefined)?.error;
      metrics.toolCall(
        name,
        result.isError ? error?.code ?? "ERROR" : "ok",
        (now() - started) / 1000,
      );
      return result;
    });
  return server;
}
