/**
 * The bare node:http baseline: the practical ceiling of the platform for REST and SSE. It parses
 * the same JSON body the server gets and answers the same JSON (unary) or the same six
 * `data:` events (SSE), with no framework, validation or runtime in between.
 *
 * Run as its own process; logs `BASELINE HTTP listening on 127.0.0.1:<port>`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const ROUTE = /^\/v2\/models\/([^/]+)\/(infer|generate|generate_stream|infer_stream)$/;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const route = ROUTE.exec(req.url ?? '');
  if (req.method !== 'POST' || !route) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  const model = route[1]!;
  const body = JSON.parse(await readBody(req)) as { id?: string; inputs: Tensor[] };
  if (route[2] === 'infer' || route[2] === 'generate') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(answer(model, body));
    return;
  }
  res.socket?.setNoDelay(true);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (let i = 0; i < 6; i++) res.write(`data: ${answer(model, body)}\n\n`);
  res.end();
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
  });
});
server.keepAliveTimeout = 65_000;
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
