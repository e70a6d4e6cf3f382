import type { Result } from "../errors.ts";
import type { CallToolResult } from "./sdk.ts";

export interface FailureBody {
  success: false;
  error: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * The one place a Result becomes an MCP tool result: the same JSON as structuredContent (read by
 * Claude Code) and as text content (read by Claude Desktop). Failures are isError results.
 */
export function toToolResult<T extends object>(
  result: Result<T>,
): CallToolResult {
  if (!result.ok) {
    const { code, message, details } = result.error;
    const body: FailureBody = {
      success: false,
      error: { code, message, details },
    };
    return { isError: true, ...withText(body) };
  }
  return withText(result.value as Record<string, unknown>);
}

function withText(body: object): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(body) }],
    structuredContent: body as Record<string, unknown>,
  };
}
