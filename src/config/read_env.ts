import { fail, ok, type Result } from "../errors.ts";
import type { Env } from "./load_config.ts";

export interface ReadEnvOptions {
  /** Variables read from the process and the file besides `names` (DATABASE_URL_<NAME>). */
  dynamic?: RegExp;
  /** The settings file: `.env` in the working directory. */
  envFile?: string;
  /** Imports dotenv's parser: only when the file exists (tests count the imports). */
  loadParser?: () => Promise<DotenvParse>;
}

/** dotenv's `parse`. */
export type DotenvParse = (text: string) => Record<string, string>;

async function importDotenv(): Promise<DotenvParse> {
  return (await import("dotenv")).parse;
}

/**
 * The variables pg-mcp reads: a `.env` file in the working directory when present, with the
 * process environment winning over it. Only the named variables are read, plus those whose name
 * matches `dynamic` (DATABASE_URL_<NAME>: the names are the user's, so the environment is
 * listed; that is why `--allow-env` is not scoped to a list).
 *
 * A missing file is no settings file; one that exists but cannot be read (a root-owned 0600
 * file under systemd's DynamicUser, a directory) is CONFIG_INVALID: the caller prints one line
 * and exits 2, rather than crashing with a stack trace and being restarted in a loop.
 */
export async function readEnv(
  names: readonly string[],
  options: ReadEnvOptions = {},
): Promise<Result<Env>> {
  const { dynamic, envFile = ".env", loadParser = importDotenv } = options;
  const file = await readSettingsFile(envFile, loadParser);
  if (!file.ok) return file;
  const fromFile = file.value;
  const env: Record<string, string | undefined> = {};
  for (const name of names) env[name] = Deno.env.get(name) ?? fromFile[name];
  if (dynamic) {
    const process = Deno.env.toObject();
    for (const name of [...Object.keys(fromFile), ...Object.keys(process)]) {
      if (dynamic.test(name)) env[name] = process[name] ?? fromFile[name];
    }
  }
  return ok(env);
}

/** Reads and parses the settings file; dotenv is imported only when there is one. */
async function readSettingsFile(
  path: string,
  loadParser: () => Promise<DotenvParse>,
): Promise<Result<Record<string, string>>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return ok({});
    return fail(
      "CONFIG_INVALID",
      `Cannot read the settings file "${path}": ${unreadableReason(error)} ` +
        "(make it readable by this user, or remove it and set the variables in the environment)",
    );
  }
  const parse = await loadParser();
  return ok(parse(text));
}

/** Why a settings file could not be read, in words; never the file's content. */
function unreadableReason(error: unknown): string {
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotCapable) return "Deno's --allow-read does not cover it";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error ? error.name : String(error);
}
