/**
 * scripts/smoke_binary.ts, the release workflow's check of each Linux binary, run here against
 * main.ts with the binary's exact flags (deno compile cannot fetch its runtime here), so the
 * script is known to pass on a good build and to fail on a broken one.
 */
import assert from "node:assert/strict";
import { binaryPermissionFlags, runDeno } from "../support/spawn_server.ts";
import { sharedTestCluster } from "../support/test_cluster.ts";

function smoke(command: string, databaseUrl: string) {
  return runDeno([
    ...["run", "-A", "scripts/smoke_binary.ts"],
    ...["--command", command, "--database-url", databaseUrl],
  ]);
}

Deno.test("smoke_binary.ts passes main.ts run with the binary's flags, over stdio and HTTP", async () => {
  const cluster = await sharedTestCluster();
  const command = `${Deno.execPath()} run ${binaryPermissionFlags().join(" ")} main.ts`;
  const run = await smoke(command, cluster.urlFor("postgres"));
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  for (const transport of ["stdio", "http"]) {
    for (const step of ["initialize", "tools/list", "execute_sql", "refused DROP TABLE"]) {
      assert.match(run.stdout, new RegExp(`^ok ${transport} ${step}`, "m"));
    }
  }
  assert.match(run.stdout, /^smoke test passed$/m);
});

Deno.test("smoke_binary.ts fails, bounded, when the server cannot reach its database", async () => {
  const command = `${Deno.execPath()} run ${binaryPermissionFlags().join(" ")} main.ts`;
  // A closed loopback port: the server starts (the pool connects lazily) but cannot query.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const run = await smoke(command, `postgres://nobody@127.0.0.1:${port}/none`);
  assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /^FAILED: /m);
  assert.doesNotMatch(run.stdout, /smoke test passed/);
});
