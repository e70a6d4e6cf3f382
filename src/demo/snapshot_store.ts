/**
 * Where the demo's built data directory (a gzip tar dumped by PGlite) is kept between starts: one
 * file in the user's cache directory, named by a version key, or nowhere (memory only).
 *
 * A file, not a live data directory: PGlite does not lock its directory, so two pg-mcp processes
 * (say Claude Desktop's and Claude Code's) would open one cluster and corrupt it. Each process
 * loads the file into its own in-memory PGlite instead, and every start is pristine. The file is
 * written under a temporary name, flushed, then renamed: a reader sees the whole file or none,
 * and a crash mid-write leaves only a stray temporary file, removed by a later write.
 */
import { join } from "node:path";
import { fail, ok, type Result } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface SnapshotStore {
  /** The file, when the snapshot is kept on disk. */
  readonly path?: string;
  /** The saved snapshot, or undefined when there is none (or it cannot be read). */
  read(): Promise<Uint8Array | undefined>;
  /** Saves atomically and removes older versions; an error when the directory is unwritable. */
  write(bytes: Uint8Array): Promise<Result<void>>;
  /** Removes a snapshot that proved unusable. */
  discard(): Promise<void>;
}

export interface SnapshotStoreOptions {
  /** pg-mcp's cache directory (the snapshot goes in its `demo/` folder); none: memory only. */
  cacheDir?: string;
  /** `<sample>-<version key>.tar.gz`: a new key (new dump, new PGlite) never reads an old file. */
  sample: string;
  versionKey: string;
  log: Logger;
  /** Wall clock in ms, to age stray temporary files. */
  now?: () => number;
}

const STALE_TEMP_MS = 60 * 60 * 1000;

export function openSnapshotStore(options: SnapshotStoreOptions): SnapshotStore {
  const { cacheDir, log } = options;
  if (!cacheDir) {
    log.info("demo.cache_off", { reason: "no user cache directory (HOME or LOCALAPPDATA unset)" });
    return memoryStore();
  }
  const dir = join(cacheDir, "demo");
  const denied = (["read", "write"] as const).filter((name) =>
    Deno.permissions.querySync({ name, path: dir }).state !== "granted"
  );
  if (denied.length > 0) {
    log.info("demo.cache_off", {
      reason: `no ${denied.join("/")} permission for the cache directory`,
      dir,
    });
    return memoryStore();
  }
  return fileStore(dir, options.sample, options.versionKey, log, options.now ?? Date.now);
}

function memoryStore(): SnapshotStore {
  return {
    read: () => Promise.resolve(undefined),
    write: () => Promise.resolve(ok(undefined)),
    discard: () => Promise.resolve(),
  };
}

function fileStore(
  dir: string,
  sample: string,
  versionKey: string,
  log: Logger,
  now: () => number,
): SnapshotStore {
  const name = `${sample}-${versionKey}.tar.gz`;
  const path = join(dir, name);
  return {
    path,
    async read() {
      try {
        return await Deno.readFile(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) {
          log.warn("demo.cache_unreadable", { path, error });
        }
        return undefined;
      }
    },
    async write(bytes) {
      const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
      try {
        await Deno.mkdir(dir, { recursive: true });
        const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
        try {
          let written = 0;
          while (written < bytes.length) written += await file.write(bytes.subarray(written));
          await file.syncData();
        } finally {
          file.close();
        }
        await Deno.rename(temp, path);
      } catch (error) {
        await Deno.remove(temp).catch(() => undefined);
        return fail("INTERNAL", `Cannot save the demo database in "${dir}": ${message(error)}`);
      }
      await removeOthers(dir, sample, name, log, now());
      return ok(undefined);
    },
    async discard() {
      await Deno.remove(path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) {
          log.warn("demo.cache_not_removed", { path, error });
        }
      });
    },
  };
}

/** Older versions of the sample, and temporary files a crashed write left an hour ago or more. */
async function removeOthers(
  dir: string,
  sample: string,
  keep: string,
  log: Logger,
  now: number,
): Promise<void> {
  const version = new RegExp(`^${sample}-[0-9a-f]+\\.tar\\.gz$`);
  const temp = new RegExp(`^${sample}-[0-9a-f]+\\.tar\\.gz\\.[0-9a-f]+\\.tmp$`);
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || entry.name === keep) continue;
      const file = join(dir, entry.name);
      const stale = temp.test(entry.name) &&
        now - ((await Deno.stat(file)).mtime?.getTime() ?? 0) > STALE_TEMP_MS;
      if (version.test(entry.name) || stale) await Deno.remove(file);
    }
  } catch (error) {
    log.debug("demo.cache_cleanup_failed", { dir, error });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
