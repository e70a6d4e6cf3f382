import { fail, ok, type Result } from "../errors.ts";

/**
 * Tamper-proof tokens (HMAC-SHA256 over a JSON payload, base64url): result cursors and write
 * confirmations. Stateless, so any instance holding the same secret accepts them
 * (SECURITY_WRITE_CONFIRM_SECRET; absent, a random key per process).
 */
export interface TokenSigner {
  sign(purpose: string, payload: Record<string, unknown>): Promise<string>;
  /** The payload, or INVALID_INPUT (reason `bad_token`) when forged, altered or of another purpose. */
  verify(purpose: string, token: string): Promise<Result<Record<string, unknown>>>;
}

const encoder = new TextEncoder();

export async function createTokenSigner(secret?: string): Promise<TokenSigner> {
  const raw = secret ? encoder.encode(secret) : crypto.getRandomValues(new Uint8Array(32));
  const key = await crypto.subtle.importKey(
    "raw",
    raw,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  const mac = async (purpose: string, body: string) =>
    new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${purpose}.${body}`)));
  return {
    async sign(purpose, payload) {
      const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
      return `${body}.${toBase64Url(await mac(purpose, body))}`;
    },
    async verify(purpose, token) {
      const bad = fail<Record<string, unknown>>(
        "INVALID_INPUT",
        "Cannot use the token: it is not one pg-mcp issued for this (altered, or from another " +
          "server without the same SECURITY_WRITE_CONFIRM_SECRET)",
        { reason: "bad_token" },
      );
      const [body, signature, extra] = token.split(".");
      if (!body || !signature || extra !== undefined) return bad;
      const given = fromBase64Url(signature);
      if (!given) return bad;
      const valid = await crypto.subtle.verify(
        "HMAC",
        key,
        given as Uint8Array<ArrayBuffer>,
        encoder.encode(`${purpose}.${body}`),
      );
      if (!valid) return bad;
      try {
        const payload = JSON.parse(new TextDecoder().decode(fromBase64Url(body)));
        return payload && typeof payload === "object" ? ok(payload) : bad;
      } catch {
        return bad;
      }
    },
  };
}

function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const s = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** A short, stable digest of a text (the SQL a token is bound to), base64url. */
export async function digest(text: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return toBase64Url(hash.subarray(0, 18));
}
