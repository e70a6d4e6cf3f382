/** pg-mcp's MCP server, built from real deps, with the official client connected in memory. */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createMcpServer, type ServerDeps } from "../../src/mcp/server.ts";

export interface InMemoryMcp extends AsyncDisposable {
  client: Client;
  close(): Promise<void>;
}

export async function connectInMemory(
  deps: ServerDeps,
  name = "pg-mcp-tests",
): Promise<InMemoryMcp> {
  const server = createMcpServer(deps);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(clientSide);
  const close = async () => {
    await client.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  };
  return { client, close, [Symbol.asyncDispose]: close };
}
