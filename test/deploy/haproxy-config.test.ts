import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HAPROXY_TEMPLATE, haproxyConfig, renderHaproxyConfig } from '../../deploy/proxy/haproxy-config.js';

const replicas = [
  { name: 'replica1', http_port: 1111, grpc_port: 2111 },
  { name: 'replica2', http_port: 1222, grpc_port: 2222 },
  { name: 'replica3', http_port: 1333, grpc_port: 2333 },
];

describe('the rig’s HAProxy configuration (deploy/proxy/haproxy.cfg.template)', () => {
  test('fills every field and writes each server line once per replica, in every backend', async () => {
    const config = await haproxyConfig({ bind: 'fd@3', statsSocket: '/run/x/admin.sock', replicas });
    expect(config).not.toMatch(/\{\{[\w.]+\}\}/);
    expect(config).toMatch(/^ {2}bind fd@3$/m);
    expect(config).toMatch(/^ {2}stats socket \/run\/x\/admin\.sock /m);
    expect(config.match(/^ {2}server .*$/gm)).toEqual([
      '  server replica1 127.0.0.1:1111',
      '  server replica2 127.0.0.1:1222',
      '  server replica3 127.0.0.1:1333',
      '  server replica1 127.0.0.1:1111 track rest/replica1',
      '  server replica2 127.0.0.1:1222 track rest/replica2',
      '  server replica3 127.0.0.1:1333 track rest/replica3',
      '  server replica1 127.0.0.1:2111 proto h2 track rest/replica1',
      '  server replica2 127.0.0.1:2222 proto h2 track rest/replica2',
      '  server replica3 127.0.0.1:2333 proto h2 track rest/replica3',
    ]);
  });

  test('only the SSE backend sends small writes at once (option http-no-delay)', async () => {
    const config = await haproxyConfig({ bind: 'fd@3', statsSocket: 's', replicas });
    const sections = config.split(/^(?=backend )/m).slice(1);
    const noDelay = sections.filter((section) => /^ {2}option http-no-delay$/m.test(section));
    expect(noDelay.map((section) => section.split('\n')[0])).toEqual(['backend sse']);
  });

  test('a field the options do not have is an error, not an empty string', () => {
    expect(() =>
      renderHaproxyConfig('bind {{nowhere}}', { bind: 'fd@3', statsSocket: 's', replicas }),
    ).toThrow(/nothing to fill \{\{nowhere\}\}/);
  });

  test('HAProxy itself accepts the rendered file (haproxy -c)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-haproxy-check-'));
    try {
      const file = path.join(dir, 'haproxy.cfg');
      const template = await readFile(HAPROXY_TEMPLATE, 'utf8');
      const config = renderHaproxyConfig(template, {
        bind: '127.0.0.1:8080',
        statsSocket: path.join(dir, 'admin.sock'),
        replicas,
      });
      await writeFile(file, config);
      const { stdout } = await promisify(execFile)('haproxy', ['-c', '-f', file]);
      expect(stdout).toMatch(/Configuration file is valid/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
