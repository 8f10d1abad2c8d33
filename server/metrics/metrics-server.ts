import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * An HTTP server answering `GET <endpoint>` with the server's metrics, then the custom ones, in
 * Prometheus text format (MLServer serves them on their own port too). A custom metric whose
 * name the server's registry also has is left out rather than making the page invalid.
 */
export function createMetricsServer(endpoint: string, own: Registry, custom: Registry): Server {
  const page = async (): Promise<string> => {
    const text = await own.metrics();
    const taken = new Set(own.getMetricsAsArray().map((metric) => metric.name));
    const extra: string[] = [];
    for (const metric of custom.getMetricsAsArray()) {
      if (!taken.has(metric.name)) extra.push(await custom.getSingleMetricAsString(metric.name));
    }
    return extra.length === 0 ? text : `${text}${text.endsWith('\n') ? '' : '\n'}${extra.join('\n')}\n`;
  };
  return createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== endpoint) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    page().then(
      (text) => res.writeHead(200, { 'content-type': own.contentType }).end(text),
      (err: Error) =>
        res
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: err.message })),
    );
  });
}
