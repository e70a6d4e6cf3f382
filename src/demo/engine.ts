/** The main thread's handle on one engine worker (engine_worker.ts): start, watch, stop. */
import type { EngineEvent, EngineStartRequest } from "./engine_protocol.ts";

export type EngineStart =
  | { kind: "serving"; port: number; snapshot?: Uint8Array }
  | { kind: "invalid_snapshot"; message: string }
  | { kind: "failed"; message: string };

export interface EngineHooks {
  /** A protocol message entered PGlite. */
  onBusy(): void;
  /** It left. */
  onIdle(): void;
  /** The worker ended on its own (crashed) after it started serving. */
  onCrash(message: string): void;
}

export interface Engine {
  /** Settles once: serving, or why not (a killed or crashed worker settles as failed). */
  readonly started: Promise<EngineStart>;
  /**
   * Ends the worker at once, whatever it is doing, and with it PGlite, its listener and its
   * connections. Nothing is lost: the engine's data live in its memory only.
   */
  kill(): void;
}

const WORKER_URL = new URL("./engine_worker.ts", import.meta.url);

export function startEngine(request: EngineStartRequest, hooks: EngineHooks): Engine {
  const worker = new Worker(WORKER_URL, { type: "module" });
  let ended = false;
  let serving = false;
  let settle!: (start: EngineStart) => void;
  const started = new Promise<EngineStart>((resolve) => settle = resolve);

  const end = (message: string) => {
    if (ended) return;
    ended = true;
    worker.terminate();
    settle({ kind: "failed", message });
  };

  worker.onmessage = (event: MessageEvent<EngineEvent>) => {
    const message = event.data;
    switch (message.type) {
      case "busy":
        return hooks.onBusy();
      case "idle":
        return hooks.onIdle();
      case "ready":
        serving = true;
        return settle({ kind: "serving", port: message.port, snapshot: message.snapshot });
      case "invalid_snapshot":
        settle({ kind: "invalid_snapshot", message: message.message });
        return end(message.message);
      case "failed":
        if (serving) hooks.onCrash(message.message);
        return end(message.message);
    }
  };
  // An error the worker did not catch (a WebAssembly trap, out of memory): without
  // preventDefault() it would propagate and end the whole process.
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    const message = event.message || "the engine worker failed";
    if (serving && !ended) hooks.onCrash(message);
    end(message);
  };
  worker.postMessage(request);

  return { started, kill: () => end("stopped") };
}
