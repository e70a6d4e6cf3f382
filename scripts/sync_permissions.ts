/** Rewrites the start, doctor, compile and eval tasks of deno.json from permission_flags.ts. */
import {
  compileFlags,
  evalPermissionFlags,
  permissionFlags,
  startPermissionFlags,
} from "./permission_flags.ts";

const path = new URL("../deno.json", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(path));
config.tasks.start = `deno run ${startPermissionFlags().join(" ")} main.ts`;
config.tasks.compile = `deno compile ${compileFlags().join(" ")} --output dist/pg-mcp main.ts`;
config.tasks.doctor = `deno run ${permissionFlags().join(" ")} main.ts doctor`;
config.tasks.eval = `deno run ${evalPermissionFlags().join(" ")} src/eval/main.ts`;
await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n");
