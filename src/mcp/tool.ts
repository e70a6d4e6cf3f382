import { z } from "zod";
import type { Result } from "../errors.ts";

/** Who is calling, over what: what middleware needs to know about one tool call. */
export interface ToolCall {
  /** Aborted when the client cancels, disconnects, or the server stops. */
  signal: AbortSignal;
  /** Sends a progress notification when the client asked for them; a no-op otherwise. */
  progress(message: string): void;
  requestId: string | number;
  transport: "stdio" | "http";
  /** name/version from `initialize`, when known. */
  client?: { name?: string; version?: string };
  /**
   * Who the caller is for rate limits and audit, never a secret: a hash of the HTTP token,
   * else the remote address; "stdio" for the stdio client.
   */
  identity: string;
  /**
   * Asks the user to pick one of `choices` (MCP elicitation): the index, or undefined when
   * declined. Absent when the client cannot be asked (no capability, or stateless HTTP).
   */
  elicit?: (message: string, choices: string[]) => Promise<number | undefined>;
}

/** Runs one tool call: parsed arguments in, a typed Result out (never throws for bad input). */
export type ToolRun = (args: Record<string, unknown>, call: ToolCall) => Promise<Result<object>>;

/** Behaviour around every tool call (metrics, audit, rate limits), the way Hono composes. */
export type Middleware = (tool: ToolDefinition, next: ToolRun) => ToolRun;

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  annotations: ToolAnnotations;
  run: ToolRun;
}

/** A tool whose `run` receives its arguments typed by its input schema. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(tool: {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run: (args: z.infer<z.ZodObject<I>>, call: ToolCall) => Promise<Result<object>>;
}): ToolDefinition {
  return {
    ...tool,
    input: z.object(tool.input),
    output: z.object(tool.output),
    run: tool.run as ToolRun,
  };
}

/** `compose(a, b)(tool, run)` runs a around b around run: the order is the order written. */
export function compose(...layers: Middleware[]): Middleware {
  return (tool, run) => layers.reduceRight((next, layer) => layer(tool, next), run);
}
