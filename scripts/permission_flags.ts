/**
 * The demo database's cache directories (src/demo/cache_location.ts), as text for `deno task`'s
 * shell, which expands `$HOME` when it launches the task. Deno itself never expands variables in
 * permission flags (denoland/deno#16766, #29809, #30694 are open), and a compiled binary keeps
 * the flags it was compiled with, so only the `start` task carries these; the binary runs the
 * demo from memory (built at each start, about 4 s more before the demo answers).
 * - Linux: `~/.cache/pg-mcp` (with XDG_CACHE_HOME set elsewhere the grant does not match and the
 *   demo runs from memory: the task shell has no `${VAR:-default}`, and an unset variable would
 *   expand to a grant on `/pg-mcp`).
 * - macOS: `~/Library/Caches/pg-mcp`. Each grant names a directory that does not exist on the
 *   other system, so it grants nothing there.
 * - Windows: not granted (`%LOCALAPPDATA%` would expand to `/pg-mcp` elsewhere): memory.
 */
export const CACHE_GRANTS = ["$HOME/.cache/pg-mcp", "$HOME/Library/Caches/pg-mcp"] as const;

/** Where the demo's engine worker is loaded from (it is not part of main.ts's module graph). */
const DEMO_WORKER_SOURCES = "src/demo";

/**
 * The permissions of the compiled binary, in one place.
 * - net: unscoped, because the database and LLM hosts are configuration, known only at run time,
 *   and a compiled binary cannot take more flags; the HTTP transport also listens.
 * - env: unscoped, because `DATABASE_URL_<NAME>` names are the user's own and Deno lists the
 *   environment (`Deno.env.toObject()`) only with unscoped access; a wildcard grant
 *   (`DATABASE_URL_*`) reads but cannot list. pg-mcp still reads only its own variables and
 *   those matching DATABASE_URL_<NAME>, all in `src/config/read_env.ts` (a test checks no other
 *   module reads the environment); ENV_VARS and LIBRARY_ENV_VARS document them.
 *   The demo database finds the user's cache directory from HOME, XDG_CACHE_HOME or LOCALAPPDATA.
 * - read: the .env file, the npm packages (libpg-query and PGlite load their WebAssembly and data
 *   from there), the golden examples folder, and src/demo: a worker's modules are loaded at run
 *   time and need read permission (the demo's engine runs in a worker so that a long statement
 *   never blocks the MCP server). Paths are relative to the working directory, as `deno task`
 *   sets it to the project's.
 * - No write, run, FFI or sys: PGlite runs in WebAssembly and needs none of them. The demo
 *   database listens and connects on 127.0.0.1 only.
 */
export function permissionFlags(): string[] {
  return [
    "--no-prompt",
    "--allow-net",
    "--allow-env",
    `--allow-read=.env,node_modules,examples,${DEMO_WORKER_SOURCES}`,
  ];
}

/**
 * The permissions of `deno task start`: the binary's, plus read and write of the demo database's
 * cache directories (see CACHE_GRANTS), the only place pg-mcp writes.
 */
export function startPermissionFlags(): string[] {
  return permissionFlags().map((flag) =>
    flag.startsWith("--allow-read=") ? `${flag},${CACHE_GRANTS.join(",")}` : flag
  ).concat(`--allow-write=${CACHE_GRANTS.join(",")}`);
}

/** `deno compile` also embeds the worker, which is not reachable from main.ts's imports. */
export function compileFlags(): string[] {
  return [...permissionFlags(), "--include", `${DEMO_WORKER_SOURCES}/engine_worker.ts`];
}

/** What `deno task`'s shell does to CACHE_GRANTS: `$HOME` replaced by its value (or nothing). */
export function expandTaskShell(flags: string[], home: string | undefined): string[] {
  return flags.map((flag) => flag.replaceAll("$HOME", home ?? ""));
}

/**
 * The evaluation harness reads a questions file from anywhere and writes its --json report
 * where asked, so its read and write are wide; the rest is the server's.
 */
export function evalPermissionFlags(): string[] {
  return [
    ...permissionFlags().filter((f) => !f.startsWith("--allow-read")),
    "--allow-read",
    "--allow-write",
  ];
}
