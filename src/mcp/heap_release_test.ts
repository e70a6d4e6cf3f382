import assert from "node:assert/strict";
import { createHeapRelease, exposedCollector } from "./heap_release.ts";

Deno.test("createHeapRelease() asks for a collection once every `everyBytes` of answers", () => {
  let collections = 0;
  const heap = createHeapRelease({ everyBytes: 10, collect: () => collections++ });
  for (const bytes of [3, 3, 3]) heap.written(bytes);
  assert.equal(collections, 0);
  heap.written(1);
  assert.equal(collections, 1, "10 bytes");
  heap.written(25);
  assert.equal(collections, 2, "one collection for a large answer, not one per 10 bytes");
  heap.written(9);
  assert.equal(collections, 2);
});

Deno.test("createHeapRelease(): a collector that fails, or none, never fails an answer", () => {
  const failing = createHeapRelease({
    everyBytes: 1,
    collect: () => {
      throw new Error("no collector");
    },
  });
  failing.written(5);
  createHeapRelease({ everyBytes: 1, collect: undefined }).written(5);
});

Deno.test("exposedCollector() uses gc only when Deno runs with --expose-gc, asynchronously", async () => {
  assert.equal(exposedCollector({}), undefined);
  const calls: unknown[] = [];
  exposedCollector({ gc: (options: unknown) => calls.push(options) })!();
  assert.deepEqual(calls, [{ type: "major", execution: "async" }]);
  // The real one, in a process started with the flag.
  const url = new URL("./heap_release.ts", import.meta.url).href;
  const code = `const { exposedCollector } = await import(${JSON.stringify(url)});
    const collect = exposedCollector();
    if (!collect) Deno.exit(3);
    collect();
    await new Promise((r) => setTimeout(r, 100));`;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--v8-flags=--expose-gc", code],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
});
