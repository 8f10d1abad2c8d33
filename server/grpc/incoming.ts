import type { Readable } from 'node:stream';

/**
 * The messages a client streams in, as an async iterable with backpressure: the call is paused
 * while `highWaterMark` messages wait. Unlike a Readable's own iterator, stopping early does not
 * destroy the call, so the server can still write its responses and a status. When `signal`
 * fires (cancel, deadline, shutdown), a pending read fails with its reason.
 */
export function incomingMessages<T>(
  call: Readable,
  signal: AbortSignal,
  highWaterMark = 16,
): AsyncIterable<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onData = (message: T) => {
    queue.push(message);
    if (queue.length >= highWaterMark) call.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (err: unknown) => {
    failure = err;
    notify();
  };
  if (signal.aborted) failure = signal.reason;
  else signal.addEventListener('abort', () => onError(signal.reason), { once: true });
  call.on('data', onData);
  call.once('end', onEnd);
  call.once('error', onError);
  const detach = () => {
    call.off('data', onData);
    call.off('end', onEnd);
    call.off('error', onError);
    queue.length = 0;
    // Whatever the client still sends is read and dropped.
    call.resume();
  };
  return {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<T>> {
        while (true) {
          if (queue.length > 0) {
            const value = queue.shift()!;
            if (call.isPaused() && queue.length < highWaterMark) call.resume();
            return { value, done: false };
          }
          if (failure !== undefined) throw failure;
          if (ended) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      },
      async return(): Promise<IteratorResult<T>> {
        detach();
        ended = true;
        return { value: undefined, done: true };
      },
    }),
  };
}
