import http from 'node:http';
import { parseMetrics, type Sample, sum } from '../../helpers/metrics-scrape.js';

/**
 * A server's metrics page over a connection of its own that closes after the answer (a kept
 * alive one would count among the server's descriptors, which the suites compare).
 */
export function scrapeOnce(url: string): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(parseMetrics(text)));
      })
      .on('error', reject);
  });
}

/** Streams and WebSocket sessions a server has open, from its metrics page. */
export async function openStreamsOf(url: string): Promise<number> {
  const samples = await scrapeOnce(url);
  return sum(samples, 'model_stream_active') + sum(samples, 'ws_server_sessions_in_progress');
}
