import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { type RunningServer, tempFolder } from '../helpers/test-server.js';
import { expectStillServing, FUZZ_MODELS, startFuzzServer } from './fuzz-server.js';
import { Campaign } from './support/campaign.js';
import { fcParameters, testTimeout } from './support/fuzz-settings.js';
import { HttpProbe, tryJson } from './support/http-probe.js';
import { excerpt, judgeHttp, Violation } from './support/verdicts.js';
import { settingsFile } from './support/settings-files.js';

const RUNS = 200;

/**
 * The answer the README documents for a model whose settings or runtime cannot be loaded: 500
 * `model 'm' failed to load: …`. It is tallied on its own (see the report: Triton answers 400).
 */
const LOAD_FAILURE = /^model '[^']*' failed to load: /;

/**
 * Random content in a model's `model-settings.json` (random JSON, text that is not JSON, settings
 * with odd implementations, URIs, tensors and session fields, then damaged), loaded through the
 * repository API. The load answers 200 (and the model then serves and unloads), a 4xx, or the
 * documented load failure; never a stack trace or a file's content, never a crash or a hang; a
 * failed reload keeps the previous instance serving; the other models keep serving.
 */
describe('fuzzing model-settings.json through the repository load API (in-process server)', () => {
  let running: RunningServer;
  let root: Awaited<ReturnType<typeof tempFolder>>;
  const campaign = new Campaign('model-settings');
  beforeAll(async () => {
    root = await tempFolder();
    await cp(path.join(FUZZ_MODELS, 'echo'), path.join(root.dir, 'echo'), { recursive: true });
    await mkdir(path.join(root.dir, 'm'));
    await cp(path.join(FUZZ_MODELS, 'echo', 'echo.ts'), path.join(root.dir, 'm', 'echo.ts'));
    running = await startFuzzServer({ model_repository_root: root.dir, model_load_timeout: 20 });
  });
  afterAll(async () => {
    campaign.finish();
    await running?.stop();
    await root?.remove();
  });

  test(
    'a load answers 200, a 4xx or the documented load failure; the server keeps serving',
    async () => {
      const probe = new HttpProbe(running.url);
      const file = path.join(root.dir, 'm', 'model-settings.json');
      const figures = await campaign.run(
        'model-settings.json (repository load)',
        async (counter) => {
          await fc.assert(
            fc.asyncProperty(settingsFile, fc.constantFrom('m', 'echo-copy'), async (content, name) => {
              await writeFile(file, content);
              const settingsName = (tryJson(content)?.value as { name?: unknown } | undefined)?.name;
              const target = name === 'm' || typeof settingsName !== 'string' ? 'm' : settingsName;
              // A name with a lone surrogate is sent as UTF-8 makes it (U+FFFD), as any client would.
              const inPath = encodeURIComponent(Buffer.from(target).toString());
              const outcome = await probe.post(`/v2/repository/models/${inPath}/load`, '{}');
              if (outcome.kind === 'answer' && outcome.status === 500) {
                const error = (tryJson(outcome.text)?.value as { error?: string } | undefined)?.error ?? '';
                if (!LOAD_FAILURE.test(error)) {
                  counter.figures.serverErrorsForClientMistakes++;
                  throw new Violation(
                    `500 that is not a load failure: ${outcome.text} for ${excerpt(content)}`,
                  );
                }
                if (/\n\s+at |root:x:0:0/.test(error))
                  throw new Violation(`a stack trace or file content: ${error}`);
                counter.count('500 load failure (documented)');
                return;
              }
              const answer = judgeHttp(counter, outcome, content, false);
              if (!answer) return;
              // Loaded: the version loaded serves (when it is the echo; without a version the
              // default one answers, which may be an older version that failed) and unloads.
              const version = (tryJson(content)?.value as { parameters?: { version?: unknown } } | undefined)
                ?.parameters?.version;
              const versionPath =
                typeof version === 'string' && version !== ''
                  ? `/versions/${encodeURIComponent(Buffer.from(version).toString())}`
                  : '';
              const infer = await probe.post(
                `/v2/models/${inPath}${versionPath}/infer`,
                JSON.stringify({ inputs: [{ name: 'a', datatype: 'INT32', shape: [1], data: [1] }] }),
              );
              if (infer.kind !== 'answer' || infer.status >= 500) {
                const settings = tryJson(content)?.value as { implementation?: string };
                if (settings?.implementation === 'echo.Echo' || infer.kind !== 'answer')
                  throw new Violation(`a loaded model answered ${JSON.stringify(infer).slice(0, 300)}`);
              }
              const unload = await probe.post(`/v2/repository/models/${inPath}/unload`, '{}');
              if (unload.kind !== 'answer' || unload.status !== 200)
                throw new Violation(`unload of a loaded model: ${JSON.stringify(unload).slice(0, 300)}`);
            }),
            fcParameters(RUNS),
          );
        },
        { closeClients: () => probe.close(), openSessions: () => running.server.dataplane.openSessions },
      );
      expect(figures).toMatchObject({ leakedHandles: 0, leakedSessions: 0 });
      expect(figures.outcomes['200']).toBeGreaterThan(0);
      // The last files loaded may have left models failed (readiness false, as documented): a
      // good file is loaded and every model but echo unloaded (all versions, failed ones too).
      const restore = new HttpProbe(running.url);
      await writeFile(file, JSON.stringify({ name: 'm', implementation: 'echo.Echo' }));
      expect(await restore.post('/v2/repository/models/m/load', '{}')).toMatchObject({ status: 200 });
      const index = await restore.post('/v2/repository/index', '{}');
      const names = new Set(
        (JSON.parse((index as { text: string }).text) as { name: string }[]).map((entry) => entry.name),
      );
      for (const name of names) {
        if (name === 'echo') continue;
        const path = `/v2/repository/models/${encodeURIComponent(name)}/unload`;
        expect(await restore.post(path, '{}')).toMatchObject({ status: 200 });
      }
      await restore.close();
      await expectStillServing(running.url);
    },
    testTimeout(RUNS, 500),
  );

  test('a file nested 10,000 deep is refused as invalid settings (found by the soak: it was a 500 "Maximum call stack size exceeded")', async () => {
    const file = path.join(root.dir, 'm', 'model-settings.json');
    const probe = new HttpProbe(running.url);
    try {
      await writeFile(file, `{"name":"m","implementation":${'['.repeat(10_000)}1${']'.repeat(10_000)}}`);
      const load = await probe.post('/v2/repository/models/m/load', '{}');
      expect(load).toMatchObject({ kind: 'answer' });
      // The documented load failure, naming the file and the problem.
      const { status, text } = load as { status: number; text: string };
      expect(status).toBe(500);
      expect(JSON.parse(text).error).toMatch(LOAD_FAILURE);
      expect(JSON.parse(text).error).toMatch(
        /model-settings\.json:\n {2}- \(root\): nested deeper than 64 levels$/,
      );
    } finally {
      await probe.close();
    }
  });

  test('a failed reload keeps the previous instance serving', async () => {
    const file = path.join(root.dir, 'm', 'model-settings.json');
    const probe = new HttpProbe(running.url);
    try {
      await writeFile(file, JSON.stringify({ name: 'm', implementation: 'echo.Echo' }));
      expect(await probe.post('/v2/repository/models/m/load', '{}')).toMatchObject({ status: 200 });
      await writeFile(file, '{"name": "m", "implementation": ');
      const reload = await probe.post('/v2/repository/models/m/load', '{}');
      expect(reload).toMatchObject({ kind: 'answer' });
      expect((reload as { status: number }).status).toBeLessThan(600);
      const infer = await probe.post(
        '/v2/models/m/infer',
        JSON.stringify({ inputs: [{ name: 'a', datatype: 'INT32', shape: [1], data: [7] }] }),
      );
      expect(infer).toMatchObject({ status: 200 });
      expect(await probe.post('/v2/repository/models/m/unload', '{}')).toMatchObject({ status: 200 });
    } finally {
      await probe.close();
    }
  });
});
