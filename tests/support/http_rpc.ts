/**
 * One JSON-RPC message per HTTP request to a pg-mcp HTTP server, written by hand: each call is
 * its own request (the server keeps nothing between them), with the headers a test chooses.
 */

export interface RpcResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when there is none or it is not JSON. */
  body: Record<string, unknown> | undefined;
}

export interface RpcOptions {
  /** Sent as `Authorization: <scheme> <token>` when set. */
  token?: string;
  /** "Bearer" unless given. */
  scheme?: string;
  headers?: Record<string, string>;
}

let nextId = 1;

/** POSTs one JSON-RPC request to `${baseUrl}/mcp` and reads the JSON answer. */
export async function rpc(
  baseUrl: string,
  method: string,
  params: Record<string, unknown> = {},
  options: RpcOptions = {},
): Promise<RpcResponse> {
  const res = await fetch(`${baseUrl}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(options.token ? { authorization: `${options.scheme ?? "Bearer"} ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  return { status: res.status, headers: res.headers, body: jsonOrUndefined(await res.text()) };
}

/** The JSON object a response body holds, or undefined when it is not JSON. */
export function jsonOrUndefined(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A `tools/call` in its own HTTP request; the tool result's structuredContent. */
export async function callToolOverHttp(
  baseUrl: string,
  token: string | undefined,
  name: string,
  args: Record<string, unknown>,
): Promise<{ status: number; isError: boolean; structured: Record<string, unknown> }> {
  const r = await rpc(baseUrl, "tools/call", { name, arguments: args }, { token });
  const result = r.body?.result as
    | { isError?: boolean; structuredContent?: Record<string, unknown> }
    | undefined;
  if (!result?.structuredContent) {
    throw new Error(`no tool result (HTTP ${r.status}): ${JSON.stringify(r.body)}`);
  }
  return {
    status: r.status,
    isError: result.isError === true,
    structured: result.structuredContent,
  };
}
