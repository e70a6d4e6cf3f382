import assert from "node:assert/strict";
import { lazyAjv } from "./server.ts";

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
