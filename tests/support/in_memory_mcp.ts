/** pg-mcp's MCP server, built from a real app, with the official client connected in memory. */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createMcpServer, type ServerContext } from "../../src/mcp/server.ts";

export interface InMemoryMcp extends AsyncDisposable {
  client: Client;
  close(): Promise<void>;
}

/**
 * Messages cross as JSON text, as over a real transport (so what the client sees is exactly
 * what a stdio or HTTP client would parse).
 */
function asWire(transport: InMemoryTransport): InMemoryTransport {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(JSON.parse(JSON.stringify(message)), options);
  return transport;
}

export async function connectInMemory(
  context: ServerContext,
  name = "pg-mcp-tests",
  identity = "in-memory",
): Promise<InMemoryMcp> {
  const server = createMcpServer(context, { transport: "stdio", identity });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(asWire(serverSide));
  const client = new Client({ name, version: "1.0.0" });
  await client.connect(clientSide);
  const close = async () => {
    await client.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  };
  return { client, close, [Symbol.asyncDispose]: close };
}
