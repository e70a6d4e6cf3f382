/** pg-mcp over Streamable HTTP: main.ts as a service on a free loopback port. */
import { startHttpServer } from "../../tests/support/spawn_server.ts";
import { mcpSession } from "./mcp_session.ts";
import { Client, StreamableHTTPClientTransport } from "./sdk.ts";
import { pgMcpEnv } from "./server_env.ts";
import type { Mode } from "./session.ts";
import { executeSqlCall } from "./tool_calls.ts";

export const pgMcpHttp: Mode = {
  name: "http",
  async open(db, env) {
    const server = await startHttpServer(pgMcpEnv(db, env));
    const client = new Client({ name: "pg-mcp-bench", version: "1.0.0" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.baseUrl}/mcp`)));
    } catch (error) {
      await server.stop();
      throw new Error(`Cannot connect to pg-mcp over HTTP: ${(error as Error).message}`);
    }
    return mcpSession("http", client, executeSqlCall, {
      pid: server.pid,
      // A path the server answers 404 without building an MCP server: Deno.serve plus fetch.
      async bareRequest() {
        const res = await fetch(`${server.baseUrl}/bench-floor`);
        await res.body?.cancel();
      },
      close: async () => void await server.stop(),
    });
  },
};
