/**
 * Messages between the demo supervisor (main thread) and its engine worker, which runs PGlite and
 * serves it over the wire protocol. PGlite executes each protocol message synchronously in
 * WebAssembly, so it runs in a worker: a long query blocks the worker, never the MCP server.
 */

export interface EngineStartRequest {
  type: "start";
  /** A data directory dumped by a previous build (gzip tar), or none: build from `script`. */
  snapshot?: Uint8Array;
  /** The sample's SQL, run in one read-write transaction when building. */
  script: string;
  /** Run after the script, one statement per entry (VACUUM cannot share a transaction). */
  finishStatements: string[];
  /** One row, one boolean column `ok`: true when the loaded data are the expected ones. */
  checkSql: string;
  /** `initdb` options for a build. */
  initdbParams: string[];
  /** `-c name=value` server settings: RESET ALL and DISCARD ALL return to them. */
  settings: Record<string, string>;
  /** Statements whose plan costs more are refused before they start (plan_guard.ts). */
  maxPlanCost: number;
}

export type EngineEvent =
  /** Serving on 127.0.0.1:port; `snapshot` is set when this engine built the data. */
  | { type: "ready"; port: number; snapshot?: Uint8Array }
  /** The snapshot did not load or did not hold the expected data. */
  | { type: "invalid_snapshot"; message: string }
  | { type: "failed"; message: string }
  /** A protocol message entered (busy) or left (idle) PGlite. */
  | { type: "busy" }
  | { type: "idle" };
