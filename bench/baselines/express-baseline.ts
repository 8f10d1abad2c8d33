/**
 * The express baseline: express 5 with a trivial handler (`etag` off, `res.end` of a fixed JSON
 * answer, the body read as raw bytes but not parsed), i.e. what any express route costs before it
 * does anything; `*_stream` routes write six fixed `data:` events the same way. A second REST and
 * SSE ceiling beside bare `node:http`: the server's dataplane routes are meant to run well above
 * it, since they no longer go through express.
 *
 * Run as its own process; logs `BASELINE EXPRESS listening on 127.0.0.1:<port>`.
 */
import { createServer } from 'node:http';
import express from 'express';

const ANSWER = JSON.stringify({
  model_name: 'identity',
  outputs: [
    { name: 'OUTPUT0', shape: [1, 16], datatype: 'FP32', data: Array.from({ length: 16 }, (_, i) => i) },
  ],
});

const EVENT = `data: ${ANSWER}\n\n`;

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/v2/models/:name/:action', (req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    if (!req.params.action.endsWith('_stream')) {
      res.setHeader('content-type', 'application/json');
      res.end(ANSWER);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < 5; i++) res.write(EVENT);
    res.end(EVENT);
  });
});

const server = createServer(app);
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`BASELINE EXPRESS listening on 127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
