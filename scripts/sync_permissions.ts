/** Rewrites the start and compile tasks of deno.json with the flags of permission_flags.ts. */
import { permissionFlags } from "./permission_flags.ts";

const path = new URL("../deno.json", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(path));
const flags = permissionFlags().join(" ");
config.tasks.start = `deno run ${flags} main.ts`;
config.tasks.compile = `deno compile ${flags} --output dist/pg-mcp main.ts`;
await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n");
