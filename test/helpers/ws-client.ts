import WebSocket from 'ws';

/** A test's WebSocket client: messages in arrival order, the close, or the refused handshake. */
export interface TestSocket {
  ws: WebSocket;
  /** Resolves once open; rejects with `{ status, body }` when the server refused the upgrade. */
  opened: Promise<void>;
  /** The next text message parsed as JSON, or undefined once the socket closed. */
  next(): Promise<Record<string, unknown> | undefined>;
  /** Every message until the close. */
  rest(): Promise<Record<string, unknown>[]>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens a WebSocket to `url` (http:// is turned into ws://). */
export function connect(url: string, options: WebSocket.ClientOptions = {}): TestSocket {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), options);
  const queue: (Record<string, unknown> | undefined)[] = [];
  const waiters: ((value: Record<string, unknown> | undefined) => void)[] = [];
  const push = (value: Record<string, unknown> | undefined) => {
    const waiter = waiters.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => reject({ status: res.statusCode, body: body ? JSON.parse(body) : undefined }));
    });
    ws.once('error', reject);
  });
  opened.catch(() => undefined);
  ws.on('error', () => undefined);
  ws.on('message', (data) => push(JSON.parse(data.toString()) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      push(undefined);
    });
  });
  const next = (): Promise<Record<string, unknown> | undefined> => {
    if (queue.length > 0) {
      const value = queue.shift();
      if (value === undefined) queue.unshift(undefined);
      return Promise.resolve(value);
    }
    return new Promise((resolve) => waiters.push(resolve));
  };
  return {
    ws,
    opened,
    next,
    async rest() {
      const all: Record<string, unknown>[] = [];
      for (let m = await next(); m !== undefined; m = await next()) all.push(m);
      return all;
    },
    closed,
  };
}
