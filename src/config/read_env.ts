import { parse } from "dotenv";
import type { Env } from "./load_config.ts";

/**
 * The variables pg-mcp reads: a `.env` file in the working directory when present, with the
 * process environment winning over it. Only the named variables are read, plus those whose name
 * matches `dynamic` (DATABASE_URL_<NAME>: the names are the user's, so the environment is
 * listed; that is why `--allow-env` is not scoped to a list).
 */
export async function readEnv(
  names: readonly string[],
  options: { dynamic?: RegExp; envFile?: string } = {},
): Promise<Env> {
  const { dynamic, envFile = ".env" } = options;
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parse(await Deno.readTextFile(envFile));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const env: Record<string, string | undefined> = {};
  for (const name of names) env[name] = Deno.env.get(name) ?? fromFile[name];
  if (dynamic) {
    const process = Deno.env.toObject();
    for (const name of [...Object.keys(fromFile), ...Object.keys(process)]) {
      if (dynamic.test(name)) env[name] = process[name] ?? fromFile[name];
    }
  }
  return env;
}
