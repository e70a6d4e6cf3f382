import { LIBRARY_ENV_VARS } from "../src/config/library_env.ts";
import { ENV_VARS } from "../src/config/load_config.ts";

/**
 * The permissions of `deno task start` and of the compiled binary, in one place.
 * - net: unscoped, because the database and LLM hosts are configuration, known only at run time,
 *   and a compiled binary cannot take more flags; the HTTP transport also listens.
 * - env: exactly the variables pg-mcp and its drivers read.
 * - read: the .env file, the npm packages (libpg-query loads its WASM from there) and the golden
 *   examples folder.
 */
export function permissionFlags(): string[] {
  return [
    "--no-prompt",
    "--allow-net",
    `--allow-env=${[...ENV_VARS, ...LIBRARY_ENV_VARS].join(",")}`,
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
