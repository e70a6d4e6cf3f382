import assert from "node:assert/strict";
import { lazyAjv, scopeOf } from "./server.ts";

Deno.test("lazyAjv() checks elicitation answers as the SDK's default validator does", () => {
  const validate = lazyAjv().getValidator<{ meaning: string }>({
    type: "object",
    properties: { meaning: { type: "string", enum: ["a", "b"] } },
    required: ["meaning"],
  });
  assert.deepEqual(validate({ meaning: "a" }), {
    valid: true,
    data: { meaning: "a" },
    errorMessage: undefined,
  });
  const refused = validate({ meaning: "c" });
  assert.equal(refused.valid, false);
  assert.match(refused.errorMessage ?? "", /allowed values/);
});

Deno.test("scopeOf(): a server for tools only when every message of the body is a tools call or ping", () => {
  const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x" } };
  assert.equal(scopeOf(call), "tools");
  assert.equal(scopeOf([call, { jsonrpc: "2.0", id: 2, method: "tools/list" }]), "tools");
  assert.equal(scopeOf({ jsonrpc: "2.0", id: 3, method: "ping" }), "tools");
  for (
    const body of [
      { jsonrpc: "2.0", id: 1, method: "initialize", params: {} },
      { jsonrpc: "2.0", id: 1, method: "prompts/list" },
      { jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: "schema://x" } },
      { jsonrpc: "2.0", id: 1, method: "completion/complete", params: {} },
      [call, { jsonrpc: "2.0", id: 2, method: "prompts/get", params: { name: "x" } }],
      [],
      null,
      "tools/call",
      { jsonrpc: "2.0", id: 1, result: {} },
    ]
  ) assert.equal(scopeOf(body), "all", JSON.stringify(body));
});
