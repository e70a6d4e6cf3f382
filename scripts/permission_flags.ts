/**
 * The permissions of `deno task start` and of the compiled binary, in one place.
 * - net: unscoped, because the database and LLM hosts are configuration, known only at run time,
 *   and a compiled binary cannot take more flags; the HTTP transport also listens.
 * - env: unscoped, because `DATABASE_URL_<NAME>` names are the user's own and Deno lists the
 *   environment (`Deno.env.toObject()`) only with unscoped access; a wildcard grant
 *   (`DATABASE_URL_*`) reads but cannot list. pg-mcp still reads only its own variables and
 *   those matching DATABASE_URL_<NAME>, all in `src/config/read_env.ts` (a test checks no other
 *   module reads the environment); ENV_VARS and LIBRARY_ENV_VARS document them.
 * - read: the .env file, the npm packages (libpg-query loads its WASM from there) and the golden
 *   examples folder.
 */
export function permissionFlags(): string[] {
  return [
    "--no-prompt",
    "--allow-net",
    "--allow-env",
    "--allow-read=.env,node_modules,examples",
  ];
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
