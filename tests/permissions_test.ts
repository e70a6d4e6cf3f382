import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import {
  CACHE_GRANTS,
  compileFlags,
  evalPermissionFlags,
  expandTaskShell,
  permissionFlags,
  startPermissionFlags,
} from "../scripts/permission_flags.ts";

Deno.test("the start and compile tasks carry exactly the declared permission flags", () => {
  assert.equal(
    denoJson.tasks.start,
    `deno run ${startPermissionFlags().join(" ")} main.ts`,
    "run `deno task permissions` after adding a variable",
  );
  assert.equal(
    denoJson.tasks.compile,
    `deno compile ${compileFlags().join(" ")} --output dist/pg-mcp main.ts`,
  );
  assert.equal(denoJson.tasks.eval, `deno run ${evalPermissionFlags().join(" ")} src/eval/main.ts`);
  const binary = permissionFlags().join(" ");
  assert.ok(!binary.includes("--allow-all") && !/--allow-(run|write|ffi|sys)/.test(binary));
  assert.ok(!binary.includes("$"), "a compiled binary cannot expand variables");
});

Deno.test("the start task writes only to the demo database's cache directories", () => {
  const start = startPermissionFlags();
  assert.ok(!/--allow-(all|run|ffi|sys)/.test(start.join(" ")));
  assert.deepEqual(start.filter((f) => f.startsWith("--allow-write")), [
    `--allow-write=${CACHE_GRANTS.join(",")}`,
  ]);
  for (const grant of CACHE_GRANTS) assert.match(grant, /^\$HOME\/.+\/pg-mcp$/);
  // An unset HOME leaves grants on paths that do not exist, never on a real directory.
  const expanded = expandTaskShell(start, undefined).join(" ");
  assert.ok(expanded.includes("--allow-write=/.cache/pg-mcp,/Library/Caches/pg-mcp"));
});
