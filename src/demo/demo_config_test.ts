import assert from "node:assert/strict";
import { loadConfig } from "../config/load_config.ts";
import { DEMO_NAME, demoConfig, demoDatabase } from "./demo_config.ts";

function config(env: Record<string, string> = {}) {
  const c = loadConfig(env);
  assert.ok(c.ok);
  return c.value;
}

Deno.test("demoDatabase() is the default database, one connection at the demo's URL", () => {
  const cfg = config({ DATABASE_MIN_POOL_SIZE: "5", DATABASE_MAX_POOL_SIZE: "20" });
  const db = demoDatabase("postgres://postgres@127.0.0.1:5999/postgres", cfg.pool);
  assert.equal(db.name, DEMO_NAME);
  assert.equal(db.isDefault, true);
  assert.equal(db.connection.url, "postgres://postgres@127.0.0.1:5999/postgres");
  assert.equal(db.connection.maxPoolSize, 1);
  assert.equal(db.connection.minPoolSize, 1);
  assert.equal(db.connection.poolTimeoutS, 30, "calls wait out the first build");
});

Deno.test("demoConfig() keeps writes off and refuses SECURITY_REQUIRE_READONLY_ROLE", () => {
  const plain = demoConfig(config());
  assert.ok(plain.ok);
  assert.deepEqual(plain.value.warnings, []);
  const writes = demoConfig(config({ SECURITY_ALLOW_WRITE_OPERATIONS: "true" }));
  assert.ok(writes.ok);
  assert.equal(writes.value.config.security.allowWriteOperations, false);
  assert.match(writes.value.warnings[0], /SECURITY_ALLOW_WRITE_OPERATIONS is ignored/);
  const strict = demoConfig(config({ SECURITY_REQUIRE_READONLY_ROLE: "true" }));
  assert.equal(!strict.ok && strict.error.code, "CONFIG_INVALID");
  assert.match(!strict.ok ? strict.error.message : "", /set DATABASE_URL/);
});
