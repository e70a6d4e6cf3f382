import assert from "node:assert/strict";
import { createLogger, createMemoryLogger, redact } from "./log.ts";

Deno.test("redact() hides secret keys exactly, at any depth, and passwords in URLs", () => {
  const out = redact({
    password: "hunter2",
    Authorization: "Bearer abc",
    "api-key": "sk-live-1",
    nested: { token: "t0ken", confirm_token: "ct", deeper: [{ client_secret: "cs" }] },
    url: "postgres://app:s3cret@db:5432/x",
    message: "Cannot reach postgresql://u:pw@h/db now",
    tokens_used: 420,
    token_count: 3,
    tokens_by_stage: { generate: 1, repair: 2, check: 3 },
    passage: "not a secret",
  }) as Record<string, unknown>;
  const text = JSON.stringify(out);
  for (
    const secret of ["hunter2", "Bearer abc", "sk-live-1", "t0ken", '"ct"', "cs", "s3cret", ":pw@"]
  ) {
    assert.ok(!text.includes(secret), `${secret} leaked in ${text}`);
  }
  assert.equal(out.tokens_used, 420);
  assert.equal(out.token_count, 3);
  assert.deepEqual(out.tokens_by_stage, { generate: 1, repair: 2, check: 3 });
  assert.equal(out.passage, "not a secret");
  assert.equal(out.url, "postgres://app:***@db:5432/x");
});

Deno.test("the logger writes JSON lines with the secrets redacted and honours setLevel", () => {
  const log = createMemoryLogger("INFO");
  log.info("db.connect", { password: "pw1", url: "postgres://u:pw2@h/d", error: new Error("x") });
  log.debug("hidden", {});
  const child = log.child({ database: "sales" });
  log.setLevel("DEBUG");
  child.debug("shown", { token: "abc" });
  assert.equal(log.lines.length, 2);
  const [first, second] = log.lines.map((l) => JSON.parse(l));
  assert.equal(first.event, "db.connect");
  assert.equal(first.password, "***");
  assert.equal(first.url, "postgres://u:***@h/d");
  assert.deepEqual(first.error, { name: "Error", message: "x" });
  assert.equal(second.database, "sales");
  assert.equal(second.token, "***");
});

Deno.test("the text format carries the same redacted fields", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "INFO", format: "text", write: (l) => lines.push(l) });
  log.warn("x", { api_key: "sk-1" });
  assert.match(lines[0], / WARNING x \{"api_key":"\*\*\*"\}$/);
});

Deno.test("redact() returns a value with nothing to hide as it is, and copies exactly otherwise", () => {
  const clean = { a: 1, b: "x", c: [{ d: "https://host/path" }], e: null, tokens_used: 3 };
  assert.equal(redact(clean), clean, "no copy when there is no secret");
  /** The copy every value got before the shortcut, as the reference. */
  const copy = (value: unknown, depth = 0): unknown => {
    if (typeof value === "string") {
      return value.replace(/(\w+:\/\/[^:\s/@]*:)[^@\s]*@/g, "$1***@");
    }
    if (value instanceof Error) return copy({ name: value.name, message: value.message }, depth);
    if (depth > 6 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1));
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        ["token", "password", "api_key"].includes(k.toLowerCase().replaceAll("-", "_"))
          ? "***"
          : copy(v, depth + 1),
      ]),
    );
  };
  let deep: unknown = { token: "deep", error: new Error("deep") };
  for (let i = 0; i < 9; i++) deep = { next: deep, at: i };
  const values = [
    clean,
    { nested: [{ Password: "p" }] },
    { url: "postgres://u:pw@h/d", list: ["ok", "mysql://a:b@c"] },
    { error: new Error("boom"), when: new Date(0) },
    deep,
    ["a", 1, null, { "api-key": "k" }],
    "plain",
  ];
  for (const value of values) {
    assert.equal(JSON.stringify(redact(value)), JSON.stringify(copy(value)));
  }
});
