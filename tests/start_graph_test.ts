/**
 * Cold start: the modules main.ts imports statically are what every start pays for before it can
 * answer `initialize`. The heavy ones that `initialize` and `tools/list` do not need are imported
 * dynamically, on first need or by the warm-up (see bench/e2e/import_probe.ts for their cost).
 */
import assert from "node:assert/strict";
import { ROOT } from "./support/spawn_server.ts";

/** Kept off the start path: a static import of any of these puts it back on every start. */
const LAZY = ["libpg-query", "openai", "prom-client", "dotenv", "postgres", "gpt-tokenizer"];

interface InfoModule {
  specifier: string;
  kind?: string;
  npmPackage?: string;
  dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
}

/** npm packages reachable from main.ts through static, non-type imports (`deno info --json`). */
async function staticNpmPackages(): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
    redirects: Record<string, string>;
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (specifier: string) => {
    const resolved = info.redirects[specifier] ?? specifier;
    if (seen.has(resolved)) return;
    seen.add(resolved);
    const module = bySpecifier.get(resolved);
    if (!module) return;
    if (module.kind === "npm") {
      packages.add(resolved.replace(/^npm:\/?/, "").replace(/^(@?[^@/]+(?:\/[^@/]+)?)@.*$/, "$1"));
      return;
    }
    for (const dep of module.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) visit(dep.code.specifier);
    }
  };
  for (const root of info.roots) visit(root);
  return packages;
}

Deno.test("main.ts imports statically only what initialize and tools/list need", async () => {
  const packages = await staticNpmPackages();
  for (const needed of ["@modelcontextprotocol/sdk", "zod"]) {
    assert.ok(packages.has(needed), `${needed} is on the start path (the walk works)`);
  }
  for (const lazy of LAZY) {
    assert.ok(!packages.has(lazy), `${lazy} is imported statically by main.ts's graph`);
  }
});
