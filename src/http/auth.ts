/**
 * Bearer-token authentication of the HTTP transport. Several tokens may be configured (comma
 * separated in MCP_HTTP_AUTH_TOKEN) so one can be rotated out; they are compared in constant
 * time; the scheme is case-insensitive. A caller is known by a hash of its token (never the
 * token) or, without tokens, by its remote address.
 */
export interface HttpAuth {
  readonly required: boolean;
  identify(req: Request, remote: string): Promise<{ ok: true; identity: string } | { ok: false }>;
}

const encoder = new TextEncoder();

export function createHttpAuth(tokens: readonly string[]): HttpAuth {
  const digests = Promise.all(tokens.map((t) => sha256(t)));
  return {
    required: tokens.length > 0,
    async identify(req, remote) {
      if (tokens.length === 0) return { ok: true, identity: `addr:${remote}` };
      const header = req.headers.get("authorization") ?? "";
      const m = /^bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return { ok: false };
      const given = await sha256(m[1]);
      let match: Uint8Array | undefined;
      for (const expected of await digests) {
        if (constantTimeEqual(given, expected)) match = expected;
      }
      if (!match) return { ok: false };
      return { ok: true, identity: `token:${hex(match.subarray(0, 8))}` };
    },
  };
}

/** 401 with the challenge the spec asks for. */
export function unauthorized(): Response {
  return new Response(
    JSON.stringify({
      error: { code: "UNAUTHORIZED", message: "Cannot serve: a valid bearer token is required" },
    }),
    {
      status: 401,
      headers: {
        "content-type": "application/json",
        "www-authenticate": 'Bearer realm="pg-mcp"',
      },
    },
  );
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** Equal-length digests compared without an early exit. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
