/**
 * Small helpers for the AsyncIterables that carry streams through the core.
 */

/** An iterable of one value. */
export async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

/** Takes the first item off an iterable; returns it with an iterable of the whole sequence. */
export async function peek<T>(
  source: AsyncIterable<T>,
): Promise<{ first: T; all: AsyncIterable<T> } | undefined> {
  const iterator = source[Symbol.asyncIterator]();
  const head = await iterator.next();
  if (head.done) return undefined;
  const all: AsyncIterable<T> = {
    [Symbol.asyncIterator]() {
      let sentFirst = false;
      return {
        next: () => {
          if (!sentFirst) {
            sentFirst = true;
            return Promise.resolve({ value: head.value, done: false });
          }
          return iterator.next();
        },
        return: async (value?: unknown) => {
          await iterator.return?.(value);
          return { value: undefined, done: true };
        },
      };
    },
  };
  return { first: head.value, all };
}

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
 * something: the pending `next()` is abandoned and the source's `return()` is requested.
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let aborted: Promise<never> | undefined;
  const abortPromise = (): Promise<never> => {
    aborted ??= new Promise<never>((_, reject) => {
      const fail = () => reject(signal.reason);
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    aborted.catch(() => undefined);
    return aborted;
  };
  let finished = false;
  try {
    while (true) {
      const result = await Promise.race([iterator.next(), abortPromise()]);
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
