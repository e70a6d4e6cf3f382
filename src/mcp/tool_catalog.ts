import { z } from "zod";
import { fail } from "../errors.ts";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type McpServer,
  Protocol,
  type RequestHandlerExtra,
  type ServerNotification,
  type ServerRequest,
} from "./sdk.ts";
import type { ClientLog } from "./client_log.ts";
import type { Middleware, ToolCall, ToolDefinition, ToolRun } from "./tool.ts";
import { toToolResult } from "./tool_result.ts";

/**
 * The tools with their middleware composed and what tools/list answers: built once per process
 * (HTTP builds a server per request, and that must stay cheap).
 */
export interface ToolCatalog {
  readonly tools: readonly ToolDefinition[];
  readonly runs: ReadonlyMap<string, ToolRun>;
  readonly listed: { tools: Record<string, unknown>[] };
}

export function createToolCatalog(
  tools: readonly ToolDefinition[],
  middleware: Middleware = (_tool, run) => run,
): ToolCatalog {
  return {
    tools,
    runs: new Map(tools.map((t) => [t.name, middleware(t, t.run)])),
    listed: {
      tools: tools.map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        inputSchema: jsonSchema(t.input, "input"),
        outputSchema: jsonSchema(t.output, "output"),
        annotations: t.annotations,
      })),
    },
  };
}

function jsonSchema(schema: z.ZodObject, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: "draft-7", io });
  // As the wire carries it: keys a schema's metadata set to undefined are gone.
  return JSON.parse(JSON.stringify(rest));
}

/** Per call: what the transport knows about the caller. */
export interface CallSource {
  transport: ToolCall["transport"];
  identity: string;
  /** Aborts with the HTTP request (client gone) or a cancel routed by the HTTP layer. */
  signal?: AbortSignal;
  /** Tells the HTTP layer a call started, so a later notifications/cancelled can reach it. */
  track?: (requestId: string | number, abort: () => void) => () => void;
}

/**
 * Serves tools/list and tools/call on `server` from the catalog: arguments are checked here
 * (every bad argument is an isError result with INVALID_INPUT, in the same shape as every other
 * failure), and progress notifications go out when the client sent a progressToken.
 */
export function serveTools(
  server: McpServer,
  catalog: ToolCatalog,
  source: CallSource,
  clientLog?: ClientLog,
): void {
  const byName = new Map(catalog.tools.map((t) => [t.name, t]));
  server.server.registerCapabilities({ tools: { listChanged: false } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => catalog.listed);
  callToolHandler(server, async (request, extra) => {
    const tool = byName.get(request.params.name);
    const run = catalog.runs.get(request.params.name);
    if (!tool || !run) {
      return toToolResult(
        fail("INVALID_INPUT", `Cannot call "${request.params.name}": no such tool`, {
          reason: "unknown_tool",
          tools: catalog.tools.map((t) => t.name),
        }),
      ) as CallToolResult;
    }
    const parsed = tool.input.safeParse(request.params.arguments ?? {});
    if (!parsed.success) return toToolResult(invalidArguments(tool, parsed.error));
    const controller = new AbortController();
    const abort = () => controller.abort();
    extra.signal.addEventListener("abort", abort, { once: true });
    source.signal?.addEventListener("abort", abort, { once: true });
    const untrack = source.track?.(extra.requestId, abort);
    const token = request.params._meta?.progressToken;
    let step = 0;
    const client = server.server.getClientVersion();
    const canAsk = source.transport === "stdio" &&
      server.server.getClientCapabilities()?.elicitation !== undefined;
    const started = performance.now();
    try {
      const result = await run(parsed.data, {
        signal: controller.signal,
        requestId: extra.requestId,
        transport: source.transport,
        identity: source.identity,
        ...(client ? { client: { name: client.name, version: client.version } } : {}),
        ...(canAsk ? { elicit: (message, choices) => elicitChoice(server, message, choices) } : {}),
        progress: (message) => {
          if (token === undefined || controller.signal.aborted) return;
          step++;
          void extra.sendNotification({
            method: "notifications/progress",
            params: { progressToken: token, progress: step, message },
          }).catch(() => undefined);
        },
      });
      clientLog?.notify(result.ok ? "info" : "warning", {
        event: "tool.called",
        tool: tool.name,
        outcome: result.ok ? "ok" : result.error.code,
        duration_ms: Math.round(performance.now() - started),
      });
      return toToolResult(result);
    } finally {
      untrack?.();
      extra.signal.removeEventListener("abort", abort);
      source.signal?.removeEventListener("abort", abort);
    }
  });
}

type CallToolHandler = (
  request: CallToolRequest,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
) => Promise<CallToolResult>;

/**
 * Serves tools/call with `handler` as the SDK's Protocol does for any method (the request parsed
 * once against CallToolRequestSchema), without the SDK Server's own tools/call wrapper: that
 * wrapper parses the request a second time and checks the result against CallToolResultSchema,
 * and every result here is made by `toToolResult` (a test checks its shape against that schema).
 * Its other branch, task-augmented calls, cannot run: no tasks capability is offered, and the
 * Protocol refuses a task request before any handler then.
 */
function callToolHandler(server: McpServer, handler: CallToolHandler): void {
  Protocol.prototype.setRequestHandler.call(server.server, CallToolRequestSchema, handler);
}

/** One question to the client's user: pick one of `choices`. */
async function elicitChoice(
  server: McpServer,
  message: string,
  choices: string[],
): Promise<number | undefined> {
  try {
    const answer = await server.server.elicitInput({
      message,
      requestedSchema: {
        type: "object",
        properties: { meaning: { type: "string", title: "Meaning", enum: choices } },
        required: ["meaning"],
      },
    });
    if (answer.action !== "accept") return undefined;
    const index = choices.indexOf(String(answer.content?.meaning));
    return index >= 0 ? index : undefined;
  } catch {
    return undefined; // the client could not answer: fall back to listing the readings
  }
}

/** Every problem of the arguments, named by path: one INVALID_INPUT. */
function invalidArguments(tool: ToolDefinition, error: z.ZodError) {
  const problems = error.issues.map((i) => ({
    argument: i.path.join(".") || "(arguments)",
    problem: i.message,
  }));
  return fail(
    "INVALID_INPUT",
    `Cannot call "${tool.name}": ${problems.map((p) => `${p.argument}: ${p.problem}`).join("; ")}`,
    { reason: "invalid_arguments", problems },
  );
}
