import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startCli } from '../helpers/cli-process.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The fenced code block of the README that starts with `// <file>`, without that line. */
async function readmeBlock(file: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.startsWith(`// ${file}\n`));
  if (!block) throw new Error(`README.md has no code block for ${file}`);
  return block.slice(block.indexOf('\n') + 1);
}

/**
 * The README's "Writing a runtime" steps, followed literally in a new folder outside the
 * repository: `npm pack` makes the tarball, `npm install <tarball>` installs it (dependencies from
 * the npm cache `npm ci` filled), the two files come from the README, `npx mlserver-ts start .`.
 */
test('npm pack → npm install in a new folder → npx mlserver-ts start . serves the README runtime', async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'mlserver-ts-install-'));
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  try {
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
      cwd: ROOT,
      env,
    });
    const tarball = path.join(work, stdout.trim().split('\n').pop()!);
    const project = path.join(work, 'project');
    await mkdir(path.join(project, 'my-model'), { recursive: true });
    await run('npm', ['init', '-y'], { cwd: project, env });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: project,
      env,
    });
    await writeFile(path.join(project, 'my-model/sentiment.ts'), await readmeBlock('my-model/sentiment.ts'));
    await writeFile(
      path.join(project, 'my-model/model-settings.json'),
      await readmeBlock('my-model/model-settings.json'),
    );
    const server = startNpx(project);
    try {
      const port = await server.waitForLine(/HTTP server running on http:\/\/[^:]+:(\d+)/, 60_000);
      await server.waitForLine(/model sentiment: READY/, 60_000);
      const url = `http://127.0.0.1:${port}/v2/models/sentiment/infer`;
      const good = await fetch(url, {
        method: 'POST',
        body: JSON.stringify({
          id: 'r1',
          inputs: [{ name: 'text', shape: [2], datatype: 'BYTES', data: ['a good day', 'bad'] }],
        }),
      });
      expect(good.status).toBe(200);
      expect(good.headers.get('x-request-seen')).toBe('r1');
      expect(((await good.json()) as { outputs: unknown[] }).outputs).toEqual([
        { name: 'score', shape: [2], datatype: 'INT32', data: [1, 0] },
      ]);
      const bad = await fetch(url, { method: 'POST', body: JSON.stringify({ inputs: [] }) });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: "input 'text' is required" });
    } finally {
      // npx runs the server as a grandchild: signal the whole group, as a terminal's Ctrl-C does.
      process.kill(-server.child.pid!, 'SIGTERM');
      await server.exited;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}, 300_000);

/** `npx mlserver-ts start .` in a folder, on free ports. */
function startNpx(cwd: string) {
  return startCli(['start', '.'], {}, { command: ['npx', '--no-install', 'mlserver-ts'], cwd });
}
