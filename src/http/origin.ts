const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * An Origin header (sent by browsers) must be one the operator allowed; on a loopback bind,
 * loopback origins are allowed too (a local web client). No Origin (not a browser): allowed.
 */
export function originAllowed(
  origin: string | null,
  allowed: readonly string[],
  loopbackBind: boolean,
): boolean {
  if (origin === null || origin === "") return true;
  const normalized = origin.toLowerCase().replace(/\/+$/, "");
  if (allowed.some((a) => a === "*" || a.toLowerCase().replace(/\/+$/, "") === normalized)) {
    return true;
  }
  if (!loopbackBind) return false;
  try {
    const url = new URL(normalized);
    return (url.protocol === "http:" || url.protocol === "https:") &&
      isLoopback(url.hostname);
  } catch {
    return false;
  }
}
