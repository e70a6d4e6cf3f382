import assert from "node:assert/strict";
import { createMemoryLogger } from "../log.ts";
import { guardDriverFaults } from "./driver.ts";

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
