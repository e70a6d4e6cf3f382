/**
 * deploy/mcpb/manifest.json, the Claude Desktop bundle: the bundle tool's own validator accepts
 * it, and the server config a client builds from it (with the tool's own substitution code)
 * starts pg-mcp with the tools the manifest lists. The tool runs outside the project's import
 * map (`--no-config`): with a node_modules directory, `deno compile` would embed it in the binary.
 */
import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { ENV_VARS } from "../../src/config/load_config.ts";
import { ROOT, runDeno, startServer } from "../support/spawn_server.ts";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { MCPB, toolArgs } from "../../scripts/ci/tools.ts";
const MANIFEST_PATH = `${ROOT}deploy/mcpb/manifest.json`;
const manifest = JSON.parse(await Deno.readTextFile(MANIFEST_PATH));

interface ServerConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The config a client builds on `platform` for `userConfig`, by mcpb's getMcpConfigForManifest. */
async function resolve(
  platform: string,
  userConfig: Record<string, unknown>,
): Promise<ServerConfig> {
  const code = `
    import { getMcpConfigForManifest } from "${MCPB}";
    Object.defineProperty(process, "platform", { value: ${JSON.stringify(platform)} });
    const config = await getMcpConfigForManifest({
      manifest: ${JSON.stringify(manifest)},
      extensionPath: "/bundle",
      systemDirs: { HOME: "/home/u", DESKTOP: "/home/u/Desktop", DOCUMENTS: "/home/u/Documents" },
      userConfig: ${JSON.stringify(userConfig)},
      pathSeparator: "/",
    });
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(config ?? null)));`;
  const run = await runDeno(["eval", "--no-config", "--no-lock", code]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

Deno.test("mcpb validate accepts the manifest", async () => {
  const run = await runDeno(toolArgs(MCPB, "validate", MANIFEST_PATH));
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /Manifest schema validation passes!/);
});

Deno.test("the manifest describes the compiled binary, its version and its secrets", () => {
  assert.equal(manifest.version, denoJson.version, "the bundle's version is deno.json's");
  assert.equal(manifest.server.type, "binary");
  assert.equal(manifest.server.entry_point, "server/pg-mcp");
  for (const key of ["database_url", "openai_api_key"]) {
    assert.equal(manifest.user_config[key].sensitive, true, `${key} is sensitive`);
  }
  assert.deepEqual([...manifest.compatibility.platforms].sort(), ["darwin", "linux", "win32"]);
});

Deno.test("with nothing configured, the client passes pg-mcp empty values, never a placeholder", async () => {
  // An optional setting without a default is left as the literal "${user_config.x}": pg-mcp
  // would take it as the model name or the database URL.
  for (const platform of ["darwin", "linux", "win32"]) {
    const config = await resolve(platform, {});
    assert.ok(!JSON.stringify(config).includes("${"), JSON.stringify(config));
    const exe = platform === "win32" ? ".exe" : "";
    assert.equal(config.command, `/bundle/server/pg-mcp${exe}`);
    for (const name of Object.keys(config.env)) {
      assert.ok((ENV_VARS as readonly string[]).includes(name), `pg-mcp does not read ${name}`);
    }
  }
});

Deno.test("the env a client builds from the bundle starts pg-mcp with the tools the manifest lists", async () => {
  const cluster = await sharedTestCluster();
  const config = await resolve("linux", { database_url: cluster.urlFor("postgres") });
  await using server = await startServer(config.env);
  const { tools } = await server.client.listTools();
  assert.deepEqual(
    tools.map((t) => t.name).sort(),
    manifest.tools.map((t: { name: string }) => t.name).sort(),
  );
  const run = await server.client.callTool({ name: "execute_sql", arguments: { sql: "SELECT 1" } });
  assert.ok(!run.isError, JSON.stringify(run));
});
