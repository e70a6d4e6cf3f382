/** A Session over the SDK's Client, whatever its transport. */
import type { CallToolResult, Client } from "./sdk.ts";
import type { ModeName, Session } from "./session.ts";
import type { ToolCall } from "./tool_calls.ts";

/** Generous: a 100,000-row call on a loaded machine must not time out, a hung one must. */
const CALL_TIMEOUT_MS = 120_000;

export type SessionExtras = Pick<Session, "pid" | "lastMessage" | "bareRequest"> & {
  close(): Promise<void>;
};

export function mcpSession(
  mode: ModeName,
  client: Client,
  tool: ToolCall,
  extras: SessionExtras,
): Session {
  return {
    mode,
    pid: extras.pid,
    lastMessage: extras.lastMessage,
    bareRequest: extras.bareRequest,
    async query(sql) {
      const result = await client.callTool(
        { name: tool.name, arguments: tool.args(sql) },
        undefined,
        { timeout: CALL_TIMEOUT_MS },
      );
      return tool.rows(result as CallToolResult);
    },
    async ping() {
      await client.ping();
    },
    async listTools() {
      return (await client.listTools()).tools.length;
    },
    async close() {
      await client.close().catch(() => undefined);
      await extras.close();
    },
  };
}
