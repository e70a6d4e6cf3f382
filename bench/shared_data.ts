/**
 * Where ../shared/data is: beside the checkout (`/work/main` → `/work/shared`), or one level
 * further up from a worktree (`/work/wt/NAME` → `/work/shared`).
 */
export function sharedData(path: string): URL {
  for (const up of ["../../shared/data/", "../../../shared/data/"]) {
    const dir = new URL(up, import.meta.url);
    try {
      if (Deno.statSync(dir).isDirectory) return new URL(path, dir);
    } catch {
      // not here: try the next candidate
    }
  }
  throw new Error("Cannot find ../shared/data beside the checkout");
}
