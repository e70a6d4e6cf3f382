import assert from "node:assert/strict";
import { sharedTestCluster } from "../support/test_cluster.ts";
import { createTarget, tmpPaths } from "./harness.ts";

Deno.test("fingerprint() sees every kind of change the attack tests rely on", async () => {
  const cluster = await sharedTestCluster();
  const target = await createTarget(cluster, "fingerprint");
  try {
    let before = await target.fingerprint();
    for (
      const [sql, key] of [
        ["UPDATE users SET is_admin = true WHERE id = 1", "users"],
        ["SELECT setval('users_id_seq', 999)", "sequences"],
        ["CREATE TABLE pwn (x int)", "relations"],
        ["CREATE ROLE fingerprint_probe", "roles"],
        ["DROP ROLE fingerprint_probe", "roles"],
        ["SELECT lo_put(12345, 0, 'changed')", "lo_12345"],
        ["INSERT INTO logs VALUES ('x')", "logs"],
        ["ALTER SYSTEM SET work_mem = '5MB'", "auto_conf"],
        ["ALTER SYSTEM RESET work_mem", "auto_conf"],
        ["COMMENT ON TABLE users IS 'x'", "comments"],
      ] as const
    ) {
      await target.observer.unsafe(sql);
      const after = await target.fingerprint();
      assert.notDeepEqual(after[key], before[key], sql);
      before = after;
    }
  } finally {
    await target.close();
  }
  assert.deepEqual(tmpPaths("COPY x TO '/tmp/a-b.txt'; lo_export(1, '/tmp/c')"), [
    "/tmp/a-b.txt",
    "/tmp/c",
  ]);
});
