import assert from "node:assert/strict";
import { peakRssMb, vmHwmMb } from "./peak_rss.ts";

Deno.test("vmHwmMb() reads VmHWM in MB", () => {
  assert.equal(vmHwmMb("Name:\tdeno\nVmPeak:\t  900000 kB\nVmHWM:\t  754896 kB\n"), 773.013504);
  assert.equal(vmHwmMb("Name:\tdeno\n"), undefined);
});

Deno.test("peakRssMb() reads a live process and is undefined for a gone one", async () => {
  const mine = await peakRssMb(Deno.pid);
  assert.ok(mine !== undefined && mine > 1, `${mine}`);
  assert.equal(await peakRssMb(2 ** 22 + 1), undefined);
});
