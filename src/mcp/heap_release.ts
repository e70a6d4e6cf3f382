/**
 * Gives memory back after large answers, when the runtime allows it. V8 collects its old
 * generation only once it has grown past a limit that it raises as it grows, so the garbage of
 * large answers (their bytes, text copies and the driver's buffers, ~60 MB per 100,000 rows)
 * stays resident until then: measured over the benchmark's run (17 answers of 10,000 rows, 6 of
 * 100,000), peak RSS 307-379 MB without, 266-283 MB with a collection after every 8 MB of answers,
 * for ~10 ms more per 100,000-row call. Once answers totalling `everyBytes` have been written,
 * a full collection is asked for, to run as a task of its own (the answer just written is
 * garbage by then, and no call waits for it).
 */
export interface HeapRelease {
  /** Counts an answer's bytes once it is written. */
  written(bytes: number): void;
}

/** Starts a full collection that runs later, in a task of its own. */
export type CollectLater = () => void;

export interface HeapReleaseOptions {
  /** Bytes of answers between two collections. */
  everyBytes: number;
  /** undefined: never (the runtime exposes no collector). */
  collect: CollectLater | undefined;
}

export function createHeapRelease(options: HeapReleaseOptions): HeapRelease {
  let since = 0;
  return {
    written(bytes) {
      if (!options.collect) return;
      since += bytes;
      if (since < options.everyBytes) return;
      since = 0;
      try {
        options.collect();
      } catch {
        // Memory is given back later by V8 itself: never a reason to fail an answer.
      }
    },
  };
}

/**
 * V8's collector when Deno runs with `--v8-flags=--expose-gc` (an operator's choice: nothing
 * else changes), asked to run asynchronously; undefined otherwise. (Setting the flag at run time
 * through node:v8 and taking `gc` from a node:vm context works too, but that collection took
 * 40 ms and the next 100,000-row call ran 55 ms slower: not done.)
 */
export function exposedCollector(
  scope: { gc?: unknown } = globalThis as { gc?: unknown },
): CollectLater | undefined {
  const gc = scope.gc;
  if (typeof gc !== "function") return undefined;
  return () => {
    const running = gc({ type: "major", execution: "async" }) as Promise<unknown> | undefined;
    running?.catch?.(() => undefined);
  };
}
