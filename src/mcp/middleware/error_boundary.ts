import { toAppError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { Middleware } from "../tool.ts";

/** A bug in a tool is an INTERNAL result, logged; the server goes on serving. */
export function withErrorBoundary(log: Logger): Middleware {
  return (tool, next) => async (args, call) => {
    try {
      return await next(args, call);
    } catch (error) {
      const appError = toAppError(error);
      log.error("tool.crashed", { tool: tool.name, error: appError.message });
      return { ok: false, error: appError };
    }
  };
}
