import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { evalPermissionFlags, permissionFlags } from "../scripts/permission_flags.ts";

Deno.test("the start and compile tasks carry exactly the declared permission flags", () => {
  const flags = permissionFlags().join(" ");
  assert.equal(
    denoJson.tasks.start,
    `deno run ${flags} main.ts`,
    "run `deno task permissions` after adding a variable",
  );
  assert.equal(denoJson.tasks.compile, `deno compile ${flags} --output dist/pg-mcp main.ts`);
  assert.equal(denoJson.tasks.eval, `deno run ${evalPermissionFlags().join(" ")} src/eval/main.ts`);
  assert.ok(!flags.includes("--allow-all") && !/--allow-(run|write|ffi|sys)/.test(flags));
});
