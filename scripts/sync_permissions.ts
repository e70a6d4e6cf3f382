/** Rewrites the start, doctor, compile and eval tasks of deno.json from permission_flags.ts. */
import { evalPermissionFlags, permissionFlags } from "./permission_flags.ts";

const path = new URL("../deno.json", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(path));
const flags = permissionFlags().join(" ");
config.tasks.start = `deno run ${flags} main.ts`;
config.tasks.compile = `deno compile ${flags} --output dist/pg-mcp main.ts`;
config.tasks.doctor = `deno run ${flags} main.ts doctor`;
config.tasks.eval = `deno run ${evalPermissionFlags().join(" ")} src/eval/main.ts`;
await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n");
