/**
 * A loopback TCP forwarder in front of a server (the test cluster), for tests of a database that
 * goes away: `close()` stops listening and cuts every forwarded connection, so the port is then
 * closed and the connections made through it are dead.
 */
export interface TcpProxy extends AsyncDisposable {
  /** The port on 127.0.0.1 that forwards to the target. */
  port: number;
  close(): Promise<void>;
}

export function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  const pipes = new Set<Promise<unknown>>();
  const forward = async (client: Deno.Conn) => {
    let server: Deno.Conn;
    try {
      server = await Deno.connect({ hostname: targetHost, port: targetPort });
    } catch {
      client.close();
      return;
    }
    open.add(client);
    open.add(server);
    const end = () => {
      for (const c of [client, server]) {
        if (open.delete(c)) {
          try {
            c.close();
          } catch { /* already closed */ }
        }
      }
    };
    await Promise.allSettled([
      client.readable.pipeTo(server.writable, { preventClose: true }),
      server.readable.pipeTo(client.writable, { preventClose: true }),
    ].map((p) => p.finally(end)));
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      const pipe = forward(conn).catch(() => undefined);
      pipes.add(pipe);
      void pipe.finally(() => pipes.delete(pipe));
    }
  })().catch(() => undefined);
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      listener.close();
      await accepting;
      for (const c of [...open]) {
        open.delete(c);
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await Promise.allSettled([...pipes]);
    })();
    return closed;
  };
  return { port: (listener.addr as Deno.NetAddr).port, close, [Symbol.asyncDispose]: close };
}
