/** What a workload talks to: one client session of one mode (a server process, or the driver). */
import type { MessageStats } from "./process_transport.ts";

export type ModeName = "raw" | "reference" | "stdio" | "http";

export const MODE_NAMES: readonly ModeName[] = ["raw", "reference", "stdio", "http"];

export const MODE_LABELS: Record<ModeName, string> = {
  raw: "raw driver",
  reference: "reference server",
  stdio: "pg-mcp stdio",
  http: "pg-mcp HTTP",
};

export interface Session {
  readonly mode: ModeName;
  /** Runs one statement; resolves to the number of rows the client got back, parsed. */
  query(sql: string): Promise<number>;
  /** An MCP `ping` round trip (MCP modes only): the floor of a call. */
  ping?(): Promise<void>;
  /** `tools/list` (MCP modes only); resolves to the number of tools. */
  listTools?(): Promise<number>;
  /** One plain HTTP request the MCP endpoint does not handle (HTTP mode only): the HTTP floor. */
  bareRequest?(): Promise<void>;
  /** The server process, when there is one. */
  readonly pid?: number;
  /** The size and client-side parse time of the last message (stdio transports only). */
  lastMessage?(): MessageStats;
  close(): Promise<void>;
}

/** Opens sessions of one mode against a database URL (a new server process per session). */
export interface Mode {
  readonly name: ModeName;
  /** `env`: pg-mcp settings on top of the benchmark's own (pg-mcp's modes only). */
  open(databaseUrl: string, env?: Record<string, string>): Promise<Session>;
}
