import type { Logger } from "../log.ts";
import { WebStandardStreamableHTTPServerTransport } from "../mcp/sdk.ts";
import type { McpServer } from "../mcp/sdk.ts";

export interface HttpOptions {
  host: string;
  port: number;
  authToken?: string;
  /** Builds one MCP server per request (stateless Streamable HTTP). */
  createServer: () => McpServer;
  /** Extra routes such as /health and /metrics; undefined means not handled. */
  routes?: Record<string, (req: Request) => Response | Promise<Response>>;
  log: Logger;
  signal?: AbortSignal;
}

export interface HttpServer {
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Streamable HTTP at /mcp on Deno.serve, with the SDK's web-standard transport. */
export function serveHttp(options: HttpOptions): HttpServer {
  const { log } = options;
  // On loopback, refuse other Host headers: DNS rebinding cannot reach the server.
  const allowedHosts = () =>
    LOOPBACK.has(options.host)
      ? ["127.0.0.1", "localhost", "[::1]"].flatMap((h) => [h, `${h}:${server.addr.port}`])
      : undefined;

  async function handleMcp(req: Request): Promise<Response> {
    if (options.authToken && req.headers.get("authorization") !== `Bearer ${options.authToken}`) {
      return json(401, { error: { code: "UNAUTHORIZED", message: "Cannot serve: bad token" } });
    }
    const hosts = allowedHosts();
    const mcp = options.createServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      ...(hosts ? { allowedHosts: hosts, enableDnsRebindingProtection: true } : {}),
    });
    await mcp.connect(transport);
    try {
      return await transport.handleRequest(req);
    } finally {
      // Stateless: the response is complete (JSON mode), so the pair can go.
      void transport.close().then(() => mcp.close()).catch(() => undefined);
    }
  }

  const server = Deno.serve({
    hostname: options.host,
    port: options.port,
    signal: options.signal,
    onListen: () => undefined,
    onError: (error) => {
      log.error("http.failed", { error });
      return json(500, { error: { code: "INTERNAL", message: "Cannot serve the request" } });
    },
  }, async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/mcp") return await handleMcp(req);
    const route = options.routes?.[path];
    if (route) return await route(req);
    return json(404, { error: { code: "NOT_FOUND", message: `Cannot find "${path}"` } });
  });
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${server.addr.port}`,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
