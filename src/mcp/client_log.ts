import { type LoggingLevel, type McpServer, SetLevelRequestSchema } from "./sdk.ts";

/** MCP's levels, least severe first (RFC 5424 order). */
const LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/** Log notifications to one client (notifications/message), after it asked with setLevel. */
export interface ClientLog {
  /** Sends `data` when the client asked for `level` or below; never rows, never secrets. */
  notify(level: LoggingLevel, data: Record<string, unknown>): void;
}

/**
 * Declares the logging capability and answers `logging/setLevel`. Nothing is sent before the
 * client sets a level: most clients never read these, and they cost a message per call.
 */
export function serveClientLogging(server: McpServer): ClientLog {
  let wanted: number | undefined;
  server.server.registerCapabilities({ logging: {} });
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    wanted = LEVELS.indexOf(request.params.level);
    return {};
  });
  return {
    notify(level, data) {
      if (wanted === undefined || LEVELS.indexOf(level) < wanted) return;
      void server.server.notification({
        method: "notifications/message",
        params: { level, logger: "pg-mcp", data },
      }).catch(() => undefined);
    },
  };
}
