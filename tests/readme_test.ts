/** The README states what the code does: its recipe is the tested one, its commands exist. */
import assert from "node:assert/strict";
import denoJson from "../deno.json" with { type: "json" };
import { ENV_VARS } from "../src/config/load_config.ts";

const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));

Deno.test("README quotes the read-only role recipe that role_check_test runs", async () => {
  const recipe = await Deno.readTextFile(new URL("../docs/readonly_role.sql", import.meta.url));
  for (const line of recipe.split("\n").filter((l) => l.trim() && !l.startsWith("--"))) {
    assert.ok(readme.includes(line), `README lacks: ${line}`);
  }
});

Deno.test("README documents every configuration variable and its two commands exist", () => {
  for (const name of ENV_VARS) {
    if (name.startsWith("PG")) continue; // the libpq alternatives, named together
    assert.ok(readme.includes(`\`${name}\``), `README lacks ${name}`);
  }
  assert.ok(readme.includes("`DATABASE_URL_<NAME>`"), "README lacks the DATABASE_URL_<NAME> row");
  assert.ok(readme.includes("deno task start") && "start" in denoJson.tasks);
  assert.ok(readme.includes("deno task test") && "test" in denoJson.tasks);
});

Deno.test(".env.example documents every configuration variable", async () => {
  const example = await Deno.readTextFile(new URL("../.env.example", import.meta.url));
  for (const name of ENV_VARS) {
    if (name.startsWith("PG")) continue;
    assert.match(example, new RegExp(`^#? ?${name}=`, "m"), `.env.example lacks ${name}`);
  }
  assert.match(
    example,
    /^# DATABASE_URL_<NAME>=postgres:/m,
    ".env.example lacks DATABASE_URL_<NAME>",
  );
});

Deno.test("README quotes the column-privilege recipe that hidden_grants_test runs", async () => {
  const recipe = await Deno.readTextFile(new URL("../docs/hidden_columns.sql", import.meta.url));
  for (const line of recipe.split("\n").filter((l) => l.trim() && !l.startsWith("--"))) {
    assert.ok(readme.includes(line), `README lacks: ${line}`);
  }
});

Deno.test("README shows the systemd unit that tests/deploy/systemd_unit_test.ts checks", async () => {
  const unit = await Deno.readTextFile(
    new URL("../deploy/systemd/pg-mcp.service", import.meta.url),
  );
  assert.ok(readme.includes("```ini\n" + unit + "```"), "README's unit differs from the file");
});

Deno.test("copying .env.example to .env configures no database: the demo, PG* from the environment still win", async () => {
  const { parse } = await import("dotenv");
  const example = parse(await Deno.readTextFile(new URL("../.env.example", import.meta.url)));
  const { loadConfig } = await import("../src/config/load_config.ts");
  const alone = loadConfig(example);
  assert.ok(alone.ok, alone.ok ? "" : alone.error.message);
  assert.equal(alone.value.demo, true, "the example file alone leaves the demo database on");
  const withPg = loadConfig({
    ...example,
    PGHOST: "db.internal",
    PGDATABASE: "shop",
    PGUSER: "me",
  });
  assert.ok(withPg.ok);
  assert.equal(withPg.value.databases[0].connection.host, "db.internal");
});
