import assert from "node:assert/strict";
import { DATABASE_TARGET_VARS, isDatabaseConfigured } from "./database_configured.ts";

Deno.test("isDatabaseConfigured() is false with nothing set, or only blanks and tuning", () => {
  assert.equal(isDatabaseConfigured({}), false);
  assert.equal(isDatabaseConfigured({ DATABASE_URL: "", PGHOST: "  " }), false);
  assert.equal(
    isDatabaseConfigured({ DATABASE_MAX_POOL_SIZE: "20", PGSSL: "require", HOME: "/home/a" }),
    false,
  );
});

Deno.test("isDatabaseConfigured() is true as soon as one variable names a target", () => {
  for (const name of DATABASE_TARGET_VARS) {
    assert.equal(isDatabaseConfigured({ [name]: "x" }), true, name);
  }
});
