/** One tool call through the official MCP client, with both copies of the answer checked. */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { unfenceJson } from "../../src/mcp/tool_result.ts";

// deno-lint-ignore no-explicit-any
export type Body = any;

export interface CallAnswer {
  isError: boolean;
  /** structuredContent. */
  body: Body;
  /** The text content, whole. */
  text: string;
}

/** Calls `name`; asserts the text content carries the same JSON as structuredContent. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");
  assert.deepEqual(
    unfenceJson(text),
    result.structuredContent,
    `${name}: text and structured agree`,
  );
  return { isError: result.isError === true, body: result.structuredContent, text };
}

/** The failure's code and reason, for compact assertions. */
export function failure(answer: CallAnswer): { code?: string; reason?: string } {
  return { code: answer.body?.error?.code, reason: answer.body?.error?.details?.reason };
}
