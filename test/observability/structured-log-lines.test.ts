import { Writable } from 'node:stream';
import { createLogger } from '../../server/logger.js';

/** The raw lines a structured logger wrote. */
function collect(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { lines, destination };
}

describe('structured log lines', () => {
  test('an access line is a JSON object with one "name" key (no duplicate keys for strict parsers)', () => {
    const { lines, destination } = collect();
    const logger = createLogger({ debug: false, structured: true, destination });
    logger.child!('access').info('POST /v2/models/:name/infer 200 1 ms', { status: '200' });
    logger.info('server line');
    expect(lines).toHaveLength(2);
    const [access, server] = lines as [string, string];
    expect(access.match(/"name":/g)).toHaveLength(1);
    expect(JSON.parse(access)).toMatchObject({ name: 'access', status: '200', level: 30 });
    expect(server.match(/"name":/g)).toHaveLength(1);
    expect(JSON.parse(server)).toMatchObject({ name: 'mlserver-ts', msg: 'server line' });
  });

  test('the access logger keeps its own level', () => {
    const { lines, destination } = collect();
    const logger = createLogger({
      debug: false,
      structured: true,
      destination,
      logging: { loggers: { access: { level: 'WARNING' } } },
    });
    logger.child!('access').info('dropped');
    logger.info('kept');
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['kept']);
  });
});
