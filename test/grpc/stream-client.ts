import * as grpc from '@grpc/grpc-js';

/** A client side of a bidirectional stream that tests can drive step by step. */
export interface TestStream<T> {
  write(message: unknown): void;
  end(): void;
  cancel(): void;
  /** The next message, or undefined once the stream ended. */
  next(): Promise<T | undefined>;
  /** Every message until the end. */
  rest(): Promise<T[]>;
  /** The final status: OK, or the error's code and details. */
  status: Promise<{ code: number; details: string }>;
  /** The response headers (initial metadata); empty if the stream ended without any. */
  headers: Promise<grpc.Metadata>;
}

/** Opens `ModelStreamInfer` (or health `Watch` for service '') on a client; a deadline guards against hangs. */
export function openStream<T = Record<string, unknown>>(
  client: object,
  options: { metadata?: grpc.Metadata; deadlineMs?: number; method?: string } = {},
): TestStream<T> {
  const fn = (client as Record<string, (...args: unknown[]) => grpc.ClientDuplexStream<unknown, T>>)[
    options.method ?? 'ModelStreamInfer'
  ]!.bind(client);
  const stream = fn(options.metadata ?? new grpc.Metadata(), {
    deadline: Date.now() + (options.deadlineMs ?? 10_000),
  });
  const queue: (T | undefined)[] = [];
  const waiters: ((value: T | undefined) => void)[] = [];
  const push = (value: T | undefined) => {
    const waiter = waiters.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  };
  stream.on('data', (message: T) => push(message));
  const status = new Promise<{ code: number; details: string }>((resolve) => {
    stream.on('status', (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details }));
  });
  stream.on('error', () => undefined);
  const headers = new Promise<grpc.Metadata>((resolve) => {
    stream.once('metadata', resolve);
    void status.then(() => resolve(new grpc.Metadata()));
  });
  void status.then(() => push(undefined));
  const next = (): Promise<T | undefined> => {
    if (queue.length > 0) {
      const value = queue.shift();
      if (value === undefined) queue.unshift(undefined);
      return Promise.resolve(value);
    }
    return new Promise((resolve) => waiters.push(resolve));
  };
  return {
    write: (message) => stream.write(message),
    end: () => stream.end(),
    cancel: () => stream.cancel(),
    next,
    async rest() {
      const all: T[] = [];
      for (let m = await next(); m !== undefined; m = await next()) all.push(m);
      return all;
    },
    status,
    headers,
  };
}
