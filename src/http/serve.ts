import type { Logger } from "../log.ts";
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp/sdk.ts";
import { scopeOf, type ServerScope } from "../mcp/server.ts";
import type { CallSource } from "../mcp/tool_catalog.ts";
import { type HttpAuth, unauthorized } from "./auth.ts";
import { createInflight } from "./inflight.ts";
import { isLoopback, originAllowed } from "./origin.ts";
import { spliceResults } from "./spliced_results.ts";

export interface HttpOptions {
  host: string;
  port: number;
  auth: HttpAuth;
  /** Origins allowed besides none and, on a loopback bind, loopback ones (MCP_HTTP_ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** Host names accepted on a non-loopback bind (MCP_HTTP_ALLOWED_HOSTS); empty: any. */
  allowedHosts: readonly string[];
  /** The largest request body accepted (bytes). */
  maxMessageBytes: number;
  /** Told the size of each response carrying rows once it is sent (see heap_release.ts). */
  onRowsWritten?: (bytes: number) => void;
  /**
   * Builds one MCP server per request (stateless Streamable HTTP), for what the request body
   * asks (see `scopeOf`).
   */
  createServer: (source: CallSource, scope: ServerScope) => McpServer;
  /** Routes besides /mcp; `open` ones answer without the token (liveness). */
  routes?: Record<
    string,
    { handle: (req: Request) => Response | Promise<Response>; open?: boolean }
  >;
  log: Logger;
  signal?: AbortSignal;
}

export interface HttpServer {
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Streamable HTTP at /mcp (stateless, JSON responses) on Deno.serve, with the SDK's web-standard
 * transport. Every request: Host and Origin checked, then the bearer token (when configured),
 * then the route. GET and DELETE on /mcp answer 405 (no sessions, no server-sent stream). A
 * request whose client goes away, or that a later `notifications/cancelled` names, is cancelled
 * down to the database query. Throws Deno's error when the address cannot be bound.
 */
export function serveHttp(options: HttpOptions): HttpServer {
  const { log } = options;
  const loopback = isLoopback(options.host);
  const inflight = createInflight();
  let port = options.port;

  function hostAllowed(req: Request): boolean {
    const host = (req.headers.get("host") ?? "").toLowerCase();
    if (loopback) {
      return ["127.0.0.1", "localhost", "[::1]"].some((h) => host === h || host === `${h}:${port}`);
    }
    if (options.allowedHosts.length === 0) return true;
    const name = host.replace(/:\d+$/, "");
    return options.allowedHosts.some((h) => h.toLowerCase() === host || h.toLowerCase() === name);
  }

  async function handleMcp(req: Request, identity: string): Promise<Response> {
    if (req.method !== "POST") {
      return new Response(
        JSON.stringify(rpcError(-32000, "Method not allowed: this server is stateless; POST only")),
        { status: 405, headers: { allow: "POST", "content-type": "application/json" } },
      );
    }
    const body = await readBody(req, options.maxMessageBytes);
    if (!body.ok) return jsonRpcFailure(body.status, body.code, body.message);
    const cancelled = cancelNotification(body.value);
    if (cancelled !== undefined) {
      inflight.cancel(identity, cancelled);
      return new Response(null, { status: 202 });
    }
    const mcp = options.createServer({
      transport: "http",
      identity,
      signal: req.signal,
      track: (requestId, abort) => inflight.track(identity, requestId, abort),
    }, scopeOf(body.value));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    const spliced = spliceResults(transport, options.onRowsWritten);
    await mcp.connect(transport);
    try {
      return await spliced.response(await transport.handleRequest(req, { parsedBody: body.value }));
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
  }, async (req, info) => {
    const path = new URL(req.url).pathname;
    if (!hostAllowed(req)) {
      return json(403, { error: { code: "FORBIDDEN", message: "Cannot serve this Host" } });
    }
    if (!originAllowed(req.headers.get("origin"), options.allowedOrigins, loopback)) {
      return json(403, { error: { code: "FORBIDDEN", message: "Cannot serve this Origin" } });
    }
    const route = options.routes?.[path];
    if (path !== "/mcp" && !route) {
      return json(404, { error: { code: "NOT_FOUND", message: `Cannot find "${path}"` } });
    }
    if (route?.open) return await route.handle(req);
    const caller = await options.auth.identify(req, remoteAddress(info));
    if (!caller.ok) return unauthorized();
    if (path === "/mcp") return await handleMcp(req, caller.identity);
    return await route!.handle(req);
  });
  port = server.addr.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${server.addr.port}`,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}

export function remoteAddress(info: Deno.ServeHandlerInfo): string {
  const addr = info.remoteAddr as Deno.NetAddr;
  return addr.hostname ?? "unknown";
}

/** The request id a `notifications/cancelled` names, when the body is one. */
function cancelNotification(body: unknown): string | number | undefined {
  const message = body as { method?: unknown; id?: unknown; params?: { requestId?: unknown } };
  if (message?.method !== "notifications/cancelled" || message.id !== undefined) return undefined;
  const id = message.params?.requestId;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}

type Body = { ok: true; value: unknown } | {
  ok: false;
  status: number;
  code: number;
  message: string;
};

/** The JSON body, read with a size cap (a larger one is never buffered whole). */
async function readBody(req: Request, max: number): Promise<Body> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  const tooLarge: Body = {
    ok: false,
    status: 413,
    code: -32600,
    message: `Invalid Request: the message is larger than ${max} bytes`,
  };
  if (declared > max) return tooLarge;
  if (Number.isSafeInteger(declared) && declared >= 0) {
    // A declared length within the cap: the body is that long (HTTP framing), read at once.
    return parseBody(await req.bytes());
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    for await (const chunk of req.body) {
      size += chunk.length;
      if (size > max) return tooLarge;
      chunks.push(chunk);
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return parseBody(bytes);
}

function parseBody(bytes: Uint8Array): Body {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, status: 400, code: -32700, message: "Parse error: the body is not JSON" };
  }
}

function rpcError(code: number, message: string) {
  return { jsonrpc: "2.0", id: null, error: { code, message } };
}

function jsonRpcFailure(status: number, code: number, message: string): Response {
  return json(status, rpcError(code, message));
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
