/** Prints the binary's compile flags (permissions and embedded worker), for the release workflow. */
import { compileFlags } from "./permission_flags.ts";

await Deno.stdout.write(new TextEncoder().encode(compileFlags().join(" ") + "\n"));
