/** How the embedded demo database is served: the configuration pg-mcp runs with around it. */
import type { Config, NamedDatabase } from "../config/config.ts";
import { fail, ok, type Result } from "../errors.ts";

/** How long a call may wait for the demo's one connection (s), at least. */
const DEMO_POOL_TIMEOUT_S = 30;

/** The name tools and the start log know the demo by. */
export const DEMO_NAME = "demo";

/**
 * The demo as the one database served (the default), at the demo's own URL. Its pool holds one
 * connection: PGlite runs a single session, and the demo proxy lets one connection in at a time.
 * Calls queue for it for up to 30 s (or DATABASE_POOL_TIMEOUT when longer): the first start builds
 * the sample for a few seconds, and calls made meanwhile wait for it rather than fail.
 */
export function demoDatabase(url: string, pool: Config["pool"]): NamedDatabase {
  return {
    name: DEMO_NAME,
    isDefault: true,
    connection: {
      ...pool,
      url,
      host: "127.0.0.1",
      port: 0,
      minPoolSize: Math.min(pool.minPoolSize, 1),
      maxPoolSize: 1,
      poolTimeoutS: Math.max(pool.poolTimeoutS, DEMO_POOL_TIMEOUT_S),
    },
  };
}

/**
 * The configuration for serving the demo: writes stay off (the demo's one session is read-only and
 * whatever is written would vanish at exit), and a required read-only role cannot be had (PGlite's
 * only user is its superuser), which stops the start with CONFIG_INVALID rather than serving a
 * database the setting forbids. `warnings` are for the start log.
 */
export function demoConfig(config: Config): Result<{ config: Config; warnings: string[] }> {
  if (config.security.requireReadonlyRole) {
    return fail(
      "CONFIG_INVALID",
      "Cannot serve the demo database with SECURITY_REQUIRE_READONLY_ROLE=true: it connects as " +
        "its superuser; set DATABASE_URL to a database of your own",
    );
  }
  if (!config.security.allowWriteOperations) return ok({ config, warnings: [] });
  return ok({
    config: { ...config, security: { ...config.security, allowWriteOperations: false } },
    warnings: ["SECURITY_ALLOW_WRITE_OPERATIONS is ignored: the demo database is read-only"],
  });
}
