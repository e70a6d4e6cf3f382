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
  assert.equal(denoJson.tasks.doctor, `deno run ${permissionFlags().join(" ")} main.ts doctor`);
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

Deno.test("only src/config/read_env.ts reads the environment (--allow-env is unscoped)", async () => {
  const readers: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
        if (/Deno\.env\b|process\.env\b/.test(await Deno.readTextFile(url))) {
          readers.push(url.pathname.replace(/.*\/src\//, "src/"));
        }
      }
    }
  };
  await walk(new URL("../src/", import.meta.url));
  if (/Deno\.env\b/.test(await Deno.readTextFile(new URL("../main.ts", import.meta.url)))) {
    readers.push("main.ts");
  }
  assert.deepEqual(readers, ["src/config/read_env.ts"]);
});
