/**
 * Stopping a server process by PID (a PostgreSQL postmaster, a PgBouncer daemon): a first signal,
 * then wait until the process is gone, escalating along a ladder of signals if it lingers. The
 * default ladder is PostgreSQL's: SIGINT (fast shutdown), SIGQUIT (immediate), SIGKILL. A daemon
 * is not our child, so "gone" is read from /proc (a zombie counts as gone) where there is one,
 * else probed with a harmless SIGCONT.
 */

const POLL_MS = 10;

/** Signals to send in turn, each with how long (ms) to wait for the process to go. */
export type SignalLadder = readonly (readonly [Deno.Signal, number])[];

const POSTMASTER_LADDER: SignalLadder = [
  ["SIGINT", 10_000],
  ["SIGQUIT", 5_000],
  ["SIGKILL", 5_000],
];

/** First line of `postmaster.pid` in the data directory. */
export async function readPostmasterPid(dataDir: string): Promise<number> {
  const text = await Deno.readTextFile(`${dataDir}/postmaster.pid`);
  const pid = Number(text.split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad postmaster.pid: ${text}`);
  return pid;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch (err) {
    if (err instanceof Deno.errors.NotFound && procMounted()) return false;
  }
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

export async function killAndWait(
  pid: number,
  ladder: SignalLadder = POSTMASTER_LADDER,
): Promise<void> {
  for (const [signal, waitMs] of ladder) {
    if (!signalled(pid, signal)) return;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  throw new Error(`process ${pid} survived ${ladder.map(([s]) => s).join(", ")}`);
}

/** Same as `killAndWait`, blocking: for `unload` handlers, which cannot await. */
export function killAndWaitSync(pid: number, ladder: SignalLadder = POSTMASTER_LADDER): void {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (const [signal, waitMs] of ladder) {
    if (!signalled(pid, signal)) return;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return;
      Atomics.wait(sleeper, 0, 0, POLL_MS);
    }
  }
}

/** Sends `signal`; false when the process no longer exists. */
function signalled(pid: number, signal: Deno.Signal): boolean {
  if (!isAlive(pid)) return false;
  try {
    Deno.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function procMounted(): boolean {
  try {
    Deno.statSync("/proc/self");
    return true;
  } catch {
    return false;
  }
}
