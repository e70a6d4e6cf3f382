import { parse } from "dotenv";
import type { Env } from "./load_config.ts";

/**
 * The variables pg-mcp reads: a `.env` file in the working directory when present, with the
 * process environment winning over it. Only the named variables are read.
 */
export async function readEnv(names: readonly string[], envFile = ".env"): Promise<Env> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parse(await Deno.readTextFile(envFile));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const env: Record<string, string | undefined> = {};
  for (const name of names) env[name] = Deno.env.get(name) ?? fromFile[name];
  return env;
}
