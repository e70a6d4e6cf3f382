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
  assert.equal(denoJson.tasks.doctor, `deno run ${flags} main.ts doctor`);
  assert.equal(denoJson.tasks.eval, `deno run ${evalPermissionFlags().join(" ")} src/eval/main.ts`);
  assert.ok(!flags.includes("--allow-all") && !/--allow-(run|write|ffi|sys)/.test(flags));
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
