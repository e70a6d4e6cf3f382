/** A process's peak resident set size, from Linux's /proc. */

/** VmHWM of `/proc/<pid>/status` in MB (10^6 bytes); undefined when it cannot be read. */
export async function peakRssMb(pid: number): Promise<number | undefined> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => undefined);
  return status === undefined ? undefined : vmHwmMb(status);
}

export function vmHwmMb(status: string): number | undefined {
  const kb = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  return kb === undefined ? undefined : (Number(kb) * 1024) / 1e6;
}
