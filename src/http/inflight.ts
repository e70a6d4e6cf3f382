/**
 * Tool calls in flight over HTTP, by caller and request id, so that a `notifications/cancelled`
 * (which arrives in a request of its own, to a server built for it) reaches the call it names.
 * Entries live only while their call runs.
 */
export interface Inflight {
  /** Registers a call; the returned function unregisters it. */
  track(identity: string, requestId: string | number, abort: () => void): () => void;
  cancel(identity: string, requestId: string | number): boolean;
}

export function createInflight(): Inflight {
  const calls = new Map<string, () => void>();
  const key = (identity: string, id: string | number) => `${identity}\u0000${typeof id}:${id}`;
  return {
    track(identity, requestId, abort) {
      const k = key(identity, requestId);
      calls.set(k, abort);
      return () => {
        if (calls.get(k) === abort) calls.delete(k);
      };
    },
    cancel(identity, requestId) {
      const abort = calls.get(key(identity, requestId));
      abort?.();
      return abort !== undefined;
    },
  };
}
