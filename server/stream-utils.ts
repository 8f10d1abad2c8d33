/**
 * Small helpers for the AsyncIterables that carry streams through the core.
 */

/** Maps every item of an iterable. */
export async function* map<T, U>(
  source: AsyncIterable<T>,
  fn: (item: T, index: number) => U,
): AsyncIterable<U> {
  let index = 0;
  for await (const item of source) yield fn(item, index++);
}

/**
 * Iterates `source` but stops as soon as `signal` fires, even while the source is awaiting
 * something: the pending `next()` is abandoned and the source's `return()` is requested. Each
 * read listens to the signal only while it waits (a race against one long-lived abort promise
 * would keep every item ever read reachable from that promise).
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (true) {
      const result = await untilAbortedPromise(iterator.next(), signal);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) {
      // Do not wait for a generator that is stuck in an await: it will see the signal.
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
  }
}

/**
 * Waits for `promise`, or rejects with the signal's reason as soon as it fires: a runtime that
 * ignores its signal cannot hold the caller.
 */
export function untilAbortedPromise<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
