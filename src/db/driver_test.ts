import assert from "node:assert/strict";
import { sharedTestCluster } from "../../tests/support/test_cluster.ts";
import { createMemoryLogger } from "../log.ts";
import {
  afterDriverLoads,
  guardDriverFaults,
  loadDriver,
  loadedDriver,
  openSession,
} from "./driver.ts";
import { createPool } from "./pool.ts";

const log = createMemoryLogger("ERROR");

// First in this file (each test file has its own module instances): nothing has loaded it.
Deno.test("openSession() before postgres.js is loaded throws; a pool behind afterDriverLoads() loads it on its first acquire", async () => {
  assert.equal(loadedDriver(), undefined, "not loaded by importing driver.ts");
  const target = {
    url: (await sharedTestCluster()).adminUrl,
    host: "",
    port: 0,
    connectTimeoutS: 5,
  };
  assert.throws(() => openSession(target, { log }), /postgres\.js is not loaded yet/);
  const pool = afterDriverLoads(createPool({
    max: 1,
    acquireTimeoutMs: 5_000,
    open: () => openSession(target, { log }),
    probe: () => Promise.resolve(true),
    log,
  }));
  try {
    const lease = await pool.acquire();
    assert.ok(lease.ok, JSON.stringify(lease));
    assert.deepEqual([...await lease.value.session.query("SELECT 1 AS one")], [{ one: 1 }]);
    lease.value.release();
    assert.equal(loadedDriver(), await loadDriver(), "loaded once, kept");
    const again = await pool.acquire();
    assert.ok(again.ok);
    again.value.release();
  } finally {
    await pool.close();
  }
});

Deno.test("afterDriverLoads(): a driver that cannot load is DB_UNAVAILABLE, and the next acquire tries again", async () => {
  let loads = 0;
  const pool = afterDriverLoads(
    createPool({
      max: 1,
      acquireTimeoutMs: 1_000,
      open: () => {
        throw new Error("no session in this test");
      },
      probe: () => Promise.resolve(true),
      log,
    }),
    () => ++loads === 1 ? Promise.reject(new Error("cannot import")) : Promise.resolve(),
  );
  const first = await pool.acquire();
  assert.equal(!first.ok && first.error.code, "DB_UNAVAILABLE");
  assert.match(!first.ok ? first.error.message : "", /the driver could not be loaded/);
  await pool.close();
  const second = await pool.acquire();
  assert.equal(loads, 2, "tried again");
  assert.match(!second.ok ? second.error.message : "", /pg-mcp is stopping/);
});

function errorEvent(stack: string): ErrorEvent {
  const error = new TypeError("Cannot read properties of null (reading 'write')");
  error.stack = stack;
  return new ErrorEvent("error", { error, cancelable: true });
}

Deno.test("guardDriverFaults() stops the driver's own uncaught errors, and only those", () => {
  const target = new EventTarget();
  const log = createMemoryLogger("WARNING");
  const remove = guardDriverFaults(log, target);
  const driver = errorEvent(
    "TypeError: x\n    at nextWrite (file:///app/node_modules/.deno/postgres@3.4.9/node_modules/" +
      "postgres/src/connection.js:255:22)",
  );
  target.dispatchEvent(driver);
  assert.equal(driver.defaultPrevented, true);
  assert.match(log.lines[0], /"event":"db.driver_fault"/);
  const ours = errorEvent("TypeError: x\n    at run (file:///app/src/usecases/run_sql.ts:1:1)");
  target.dispatchEvent(ours);
  assert.equal(ours.defaultPrevented, false, "any other uncaught error still ends the process");
  remove();
  const after = errorEvent(driver.error.stack);
  target.dispatchEvent(after);
  assert.equal(after.defaultPrevented, false);
});
