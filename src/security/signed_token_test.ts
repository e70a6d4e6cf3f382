import assert from "node:assert/strict";
import { createTokenSigner, digest } from "./signed_token.ts";

const PAYLOAD = { d: "default", h: "abc", e: 1_900_000_000_000, n: "nonce-1" };

/** The reason of a refusal, or "accepted". */
async function verdict(
  signer: Awaited<ReturnType<typeof createTokenSigner>>,
  purpose: string,
  token: string,
): Promise<string> {
  const r = await signer.verify(purpose, token);
  return r.ok ? "accepted" : `${r.error.code}/${r.error.details.reason}`;
}

/** The token with one character of `part` (0: payload, 1: signature) changed. */
function altered(token: string, part: 0 | 1): string {
  const parts = token.split(".");
  const s = parts[part];
  const i = Math.floor(s.length / 2);
  parts[part] = s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  return parts.join(".");
}

Deno.test("signed tokens: the payload comes back exactly for the purpose it was signed for", async () => {
  const signer = await createTokenSigner("a shared secret");
  const token = await signer.sign("cursor", PAYLOAD);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, "URL-safe, no padding");
  const r = await signer.verify("cursor", token);
  assert.ok(r.ok);
  assert.deepEqual(r.value, PAYLOAD);
});

Deno.test("signed tokens: altered, forged, of another purpose or another secret: bad_token", async () => {
  const signer = await createTokenSigner("a shared secret");
  const token = await signer.sign("cursor", PAYLOAD);
  const [body] = token.split(".");
  const other = await createTokenSigner("another secret");
  const forgedBody = btoa(JSON.stringify({ ...PAYLOAD, d: "other" })).replace(/=+$/, "");
  const cases: [string, string, string][] = [
    ["payload altered", "cursor", altered(token, 0)],
    ["signature altered", "cursor", altered(token, 1)],
    ["payload swapped, signature kept", "cursor", `${forgedBody}.${token.split(".")[1]}`],
    ["another purpose", "write", token],
    ["signed with another secret", "cursor", await other.sign("cursor", PAYLOAD)],
    ["no signature", "cursor", body],
    ["empty signature", "cursor", `${body}.`],
    ["three parts", "cursor", `${token}.x`],
    ["not base64url", "cursor", `${body}.***`],
    ["empty", "cursor", ""],
  ];
  for (const [label, purpose, t] of cases) {
    assert.equal(await verdict(signer, purpose, t), "INVALID_INPUT/bad_token", label);
  }
});

Deno.test("signed tokens: instances sharing a secret accept each other's; without one, only their own", async () => {
  const a = await createTokenSigner("shared");
  const b = await createTokenSigner("shared");
  assert.equal(await verdict(b, "write", await a.sign("write", PAYLOAD)), "accepted");
  const randomA = await createTokenSigner();
  const randomB = await createTokenSigner();
  const token = await randomA.sign("write", PAYLOAD);
  assert.equal(await verdict(randomA, "write", token), "accepted");
  assert.equal(await verdict(randomB, "write", token), "INVALID_INPUT/bad_token");
});

Deno.test("digest(): stable, short, URL-safe, and different for different texts", async () => {
  const one = await digest("SELECT 1");
  assert.equal(one, await digest("SELECT 1"));
  assert.notEqual(one, await digest("SELECT 2"));
  assert.match(one, /^[A-Za-z0-9_-]{24}$/);
});
