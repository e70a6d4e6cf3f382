/**
 * compose.yaml: pg-mcp and PostgreSQL, pg-mcp connecting as the README's read-only role. No
 * container engine runs here, so the file is checked as data, and the database's init scripts are
 * run as the postgres image runs them (psql over its socket; here over loopback) on a throwaway
 * cluster, then pg-mcp starts on the result with SECURITY_REQUIRE_READONLY_ROLE=true.
 */
import assert from "node:assert/strict";
import { YAML } from "../../scripts/ci/tools.ts";
import { ENV_VARS } from "../../src/config/load_config.ts";
import { parseYaml } from "../support/outside_config.ts";
import { startServer } from "../support/spawn_server.ts";
import { sharedTestCluster, uniqueName } from "../support/test_cluster.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

interface Service {
  image?: string;
  build?: string;
  environment: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = await parseYaml<{ services: Record<string, Service> }>(
  await Deno.readTextFile(`${ROOT}compose.yaml`),
  YAML,
);
const { postgres, "pg-mcp": pgMcp } = compose.services;

/** The host files mounted into the postgres image's init directory, in the order it runs them. */
function initScripts(): string[] {
  return (postgres.volumes ?? [])
    .map((v) => v.split(":"))
    .filter(([, target]) => target?.startsWith("/docker-entrypoint-initdb.d/"))
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([source]) => source.replace(/^\.\//, ROOT));
}

Deno.test("compose: pg-mcp is built here, waits for PostgreSQL, reads only its variables", () => {
  assert.equal(pgMcp.build, ".");
  assert.equal(pgMcp.depends_on?.postgres.condition, "service_healthy");
  for (const name of Object.keys(pgMcp.environment)) {
    assert.ok((ENV_VARS as readonly string[]).includes(name), `pg-mcp does not read ${name}`);
  }
  assert.match(pgMcp.environment.DATABASE_URL, /^postgres:\/\/mcp_reader:.*@postgres:5432\/mydb$/);
  assert.equal(pgMcp.environment.SECURITY_REQUIRE_READONLY_ROLE, "true");
  assert.match(pgMcp.environment.MCP_HTTP_AUTH_TOKEN, /^\$\{\w+:\?/, "a token is required");
  assert.ok(pgMcp.ports?.every((p) => p.startsWith("127.0.0.1:")), "published on loopback only");
  assert.equal(postgres.ports, undefined, "PostgreSQL is not published");
});

Deno.test("compose: the init scripts make a read-only role pg-mcp accepts", async () => {
  const scripts = initScripts();
  assert.deepEqual(scripts.map((s) => s.slice(ROOT.length)), [
    "docs/readonly_role.sql",
    "deploy/compose/20-reader-password.sh",
  ]);
  const cluster = await sharedTestCluster();
  // The recipe grants CONNECT on "mydb": a fresh cluster's database of that name.
  const db = "mydb";
  await cluster.createDatabase(db);
  await cluster.psql(db, "CREATE TABLE public.visits (id int PRIMARY KEY, city text)");
  const role = "mcp_reader";
  const passwordOf = () =>
    cluster.psql(cluster.adminUrl, `SELECT rolpassword FROM pg_authid WHERE rolname = '${role}'`);
  try {
    await cluster.psql(db, await Deno.readTextFile(scripts[0]));
    const placeholder = await passwordOf();
    const password = uniqueName("pw");
    const init = await new Deno.Command("sh", {
      args: [scripts[1]],
      env: {
        POSTGRES_USER: "postgres",
        POSTGRES_DB: db,
        MCP_READER_PASSWORD: password,
        PGHOST: cluster.host,
        PGPORT: String(cluster.port),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(init.success, new TextDecoder().decode(init.stderr));
    const changed = await passwordOf();
    assert.notEqual(changed.trim(), placeholder.trim(), "the placeholder password was replaced");
    assert.match(changed, /^SCRAM-SHA-256\$/);

    await using server = await startServer({
      DATABASE_URL: cluster.urlFor(db, role, password),
      SECURITY_REQUIRE_READONLY_ROLE: "true",
    });
    const run = await server.client.callTool({
      name: "execute_sql",
      arguments: { sql: "SELECT count(*) AS n FROM public.visits" },
    });
    assert.ok(!run.isError, JSON.stringify(run));
  } finally {
    await cluster.psql(cluster.adminUrl, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await cluster.psql(cluster.adminUrl, `DROP ROLE IF EXISTS ${role}`);
  }
});
