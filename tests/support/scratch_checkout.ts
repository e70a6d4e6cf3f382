/**
 * A throwaway copy of the working tree (hard links, so it costs almost nothing), for tests that
 * must put files where main.ts looks for them (`.env` in its working directory) without touching
 * the developer's own checkout. Files in it are shared with the checkout: replace, never edit.
 */
import { ROOT } from "./spawn_server.ts";

const SKIPPED = new Set([".git", ".env", "dist"]);

export interface ScratchCheckout extends AsyncDisposable {
  dir: string;
}

export async function scratchCheckout(): Promise<ScratchCheckout> {
  const dir = await Deno.makeTempDir({ prefix: "pg_mcp_checkout_" });
  const entries: string[] = [];
  for await (const entry of Deno.readDir(ROOT)) {
    if (!SKIPPED.has(entry.name)) entries.push(`${ROOT}${entry.name}`);
  }
  // Hard links need one file system; a copy works everywhere else.
  const linked = await new Deno.Command("cp", { args: ["-al", ...entries, dir], stderr: "null" })
    .output();
  if (!linked.success) {
    const copied = await new Deno.Command("cp", { args: ["-a", ...entries, dir] }).output();
    if (!copied.success) throw new Error(`Cannot copy the checkout to ${dir}`);
  }
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}
