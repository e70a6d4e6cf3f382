/** Modes spoken to over stdio: pg-mcp's main.ts, and the reference server. */
import denoJson from "../../deno.json" with { type: "json" };
import { childEnv, hostEnv, serverCommand } from "../../tests/support/spawn_server.ts";
import { mcpSession } from "./mcp_session.ts";
import { type ProcessSpec, ProcessStdioTransport } from "./process_transport.ts";
import { Client } from "./sdk.ts";
import { pgMcpEnv } from "./server_env.ts";
import type { Mode, ModeName, Session } from "./session.ts";
import { executeSqlCall, referenceQueryCall, type ToolCall } from "./tool_calls.ts";

/** pg-mcp over stdio: main.ts with exactly the binary's permission flags. */
export const pgMcpStdio: Mode = {
  name: "stdio",
  open: (db, env) =>
    openStdio(
      "stdio",
      { ...serverCommand(), env: childEnv(pgMcpEnv(db, env)) },
      executeSqlCall,
    ),
};

/** The pinned reference server (deno.json imports), run by Deno from the npm package. */
export const REFERENCE_SPECIFIER = denoJson.imports["@modelcontextprotocol/server-postgres"];

/** The reference server: it takes the database URL as its one argument. */
export const referenceServer: Mode = {
  name: "reference",
  open: (db) =>
    openStdio("reference", {
      command: Deno.execPath(),
      args: ["run", "-A", "--quiet", REFERENCE_SPECIFIER, db],
      cwd: serverCommand().cwd,
      env: { ...hostEnv(), NO_COLOR: "1" },
    }, referenceQueryCall),
};

async function openStdio(mode: ModeName, spec: ProcessSpec, tool: ToolCall): Promise<Session> {
  const transport = new ProcessStdioTransport(spec);
  const client = new Client({ name: "pg-mcp-bench", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close();
    throw new Error(
      `Cannot start the ${mode} server: ${(error as Error).message}\n${
        transport.stderr.join("\n")
      }`,
    );
  }
  return mcpSession(mode, client, tool, {
    pid: transport.pid,
    lastMessage: () => transport.lastMessage,
    close: () => transport.close(),
  });
}
