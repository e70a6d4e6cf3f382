/** The user's cache directory for pg-mcp, from the environment (pure: the caller passes env). */
import { posix, win32 } from "node:path";

/** The variables `userCacheDir` reads (granted in scripts/permission_flags.ts). */
export const CACHE_ENV_VARS = ["HOME", "XDG_CACHE_HOME", "LOCALAPPDATA"] as const;

type CacheEnv = Readonly<Partial<Record<(typeof CACHE_ENV_VARS)[number], string>>>;

/**
 * `%LOCALAPPDATA%\pg-mcp` on Windows, `~/Library/Caches/pg-mcp` on macOS, elsewhere
 * `$XDG_CACHE_HOME/pg-mcp` (when set to an absolute path, as the XDG spec requires) or
 * `~/.cache/pg-mcp`. Undefined when the variable it needs is unset.
 */
export function userCacheDir(env: CacheEnv, os: typeof Deno.build.os): string | undefined {
  const set = (v: string | undefined) => v?.trim() ? v.trim() : undefined;
  if (os === "windows") {
    const base = set(env.LOCALAPPDATA);
    return base && win32.isAbsolute(base) ? win32.join(base, "pg-mcp") : undefined;
  }
  const home = set(env.HOME);
  const homeOk = home && posix.isAbsolute(home) ? home : undefined;
  if (os === "darwin") return homeOk && posix.join(homeOk, "Library", "Caches", "pg-mcp");
  const xdg = set(env.XDG_CACHE_HOME);
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, "pg-mcp");
  return homeOk && posix.join(homeOk, ".cache", "pg-mcp");
}
