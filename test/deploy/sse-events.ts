import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** The events of an SSE response as they arrive, read in the background. */
export interface SseEvents {
  /** Every event received so far. */
  readonly received: EventSourceMessage[];
  /** The first event `next()` has not returned yet; undefined once the stream ended without one. */
  next(): Promise<EventSourceMessage | undefined>;
  /** Resolves true once `n` events arrived in all, false if the stream ended (or was left) with fewer. */
  atLeast(n: number): Promise<boolean>;
  /** Every event, once the stream ended. */
  all(): Promise<EventSourceMessage[]>;
}

/** Starts reading `res`'s body as Server-Sent Events; a read error (the client left) ends it. */
export function sseEvents(res: Response): SseEvents {
  const received: EventSourceMessage[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  let taken = 0;
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const when = <T>(ready: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const check = () => {
        const value = ready();
        if (value === undefined) return;
        waiters.delete(check);
        resolve(value);
      };
      waiters.add(check);
      check();
    });
  const parser = createParser({
    onEvent: (event) => {
      received.push(event);
      wake();
    },
  });
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
  })()
    .catch(() => undefined)
    .finally(() => {
      ended = true;
      wake();
    });
  return {
    received,
    next: () =>
      when(() => {
        if (taken < received.length) return { event: received[taken++] };
        return ended ? { event: undefined } : undefined;
      }).then(({ event }) => event),
    atLeast: (n) => when(() => (received.length >= n ? true : ended ? false : undefined)),
    all: () => done.then(() => [...received]),
  };
}
