/** Prints the binary's permission flags, for the release workflow's cross-compiles. */
import { permissionFlags } from "./permission_flags.ts";

await Deno.stdout.write(new TextEncoder().encode(permissionFlags().join(" ") + "\n"));
