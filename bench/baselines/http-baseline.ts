/**
 * The bare node:http baseline: the practical ceiling of the platform for REST and SSE. It parses
 * the same JSON body the server gets and answers the same JSON (unary) or the same six
 * `data:` events (SSE), with no framework, validation or runtime in between; `held` streams are
 * held after their first event until an `infer` on `held` releases them (memory per held stream).
 * On the same port, a bare `ws` server (the library the server uses, with the server's options)
 * answers each text message of a WebSocket to `…/infer_stream` the same way: one JSON message
 * per request.
 *
 * Run as its own process; logs `BASELINE HTTP listening on 127.0.0.1:<port>`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer } from 'ws';

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown;
}

/** What the benchmark's identity and stream6 models answer for a request. */
function answer(model: string, body: { id?: string; inputs: Tensor[] }): string {
  return JSON.stringify({
    model_name: model,
    id: body.id ?? randomUUID(),
    parameters: {},
    outputs: body.inputs.map((input, i) => ({
      name: `OUTPUT${i}`,
      shape: input.shape,
      datatype: input.datatype,
      data: input.data,
    })),
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Triton's binary tensor extension: a JSON header of `headerLength` bytes, then the tensors'
 * bytes; answered the same way (every input back as a binary output).
 */
function answerBinary(model: string, raw: Buffer, headerLength: number, res: ServerResponse): void {
  const header = JSON.parse(raw.subarray(0, headerLength).toString('utf8')) as { inputs: Tensor[] };
  const data = raw.subarray(headerLength);
  const json = Buffer.from(
    JSON.stringify({
      model_name: model,
      outputs: header.inputs.map((input, i) => ({
        name: `OUTPUT${i}`,
        shape: input.shape,
        datatype: input.datatype,
        parameters: { binary_data_size: data.length },
      })),
    }),
  );
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(json.length),
  });
  res.write(json);
  res.end(data);
}

const ROUTE = /^\/v2\/models\/([^/]+)\/(infer|generate|generate_stream|infer_stream)$/;

/**
 * The held-stream baseline: a `held` stream gets its head and first event at once and is kept
 * (only its response, in a list) until an `infer` on `held` answers each with a second event.
 */
const held: { res: ServerResponse; event: string }[] = [];

function releaseHeld(): void {
  for (const { res, event } of held.splice(0)) res.end(event);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = ROUTE.exec(req.url ?? '');
  if (req.method !== 'POST' || !route) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  const model = route[1]!;
  const raw = await readBody(req);
  const headerLength = req.headers['inference-header-content-length'];
  if (headerLength !== undefined) {
    answerBinary(model, raw, Number(headerLength), res);
    return;
  }
  const body = JSON.parse(raw.toString('utf8')) as { id?: string; inputs: Tensor[] };
  if (route[2] === 'infer' || route[2] === 'generate') {
    if (model === 'held') releaseHeld();
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer(model, body));
    return;
  }
  res.socket?.setNoDelay(true);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  if (model === 'held') {
    const event = `data: ${answer(model, body)}\n\n`;
    res.write(event);
    held.push({ res, event });
    return;
  }
  for (let i = 0; i < 6; i++) res.write(`data: ${answer(model, body)}\n\n`);
  res.end();
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
  });
});
server.keepAliveTimeout = 65_000;

const WS_ROUTE = /^\/v2\/models\/([^/]+)\/(?:infer_stream|generate_stream)$/;
const websockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  const route = WS_ROUTE.exec(req.url ?? '');
  if (!route) {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  websockets.handleUpgrade(req, socket, head, (ws) => {
    const model = route[1]!;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      if (text === '') {
        ws.close(1000);
        return;
      }
      ws.send(answer(model, JSON.parse(text) as { id?: string; inputs: Tensor[] }));
    });
    ws.on('error', () => undefined);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`BASELINE HTTP listening on 127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
