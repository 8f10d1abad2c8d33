import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runStep, type SessionScript } from '../../bench/load/speech-sessions.js';
import { type SpeechServer, startSpeechServer } from '../../bench/speech-server.js';
import { sessionScripts, WORKLOADS } from '../../bench/speech-workloads.js';
import { CLI } from '../helpers/cli-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SESSIONS = 3;

/** What a step of `sessions` sessions over `scripts` must get back (round-robin, as `runStep` deals them). */
function expectedResponses(scripts: readonly SessionScript[], sessions: number): number {
  let total = 0;
  for (let k = 0; k < sessions; k++) {
    const script = scripts[k % scripts.length]!;
    total += script.reference?.responses.length ?? script.frames.length;
  }
  return total;
}

describe('the real-time speech load of `npm run bench` (speech-capacity), through the real CLI', () => {
  let speech: SpeechServer;
  beforeAll(async () => {
    speech = await startSpeechServer(ROOT, CLI, { maxAsrSessions: 4 });
  }, 120_000);
  afterAll(async () => {
    await speech?.stop();
  });

  const url = (model: string) =>
    `${speech.server.endpoints.http.replace(/^http/, 'ws')}/v2/models/${model}/infer_stream`;

  it('serves every model of the scenario', () => {
    expect(speech.notReady).toEqual({});
  });

  it.each(['silero-vad', 'vad', 'vad-asr-fast'])(
    '%s: sessions paced in real time get every result of the reference run, each timed from its frame',
    async (model) => {
      const workload = WORKLOADS.find((w) => w.model === model)!;
      const scripts = await sessionScripts(workload, speech.folders[workload.model], 5);
      const phases: string[] = [];
      const result = await runStep({
        url: url(model),
        sessions: SESSIONS,
        scripts,
        frameMs: (workload.frameSamples / 16000) * 1000,
        settle: () => speech.waitForIdle(5000),
        onWindow: (phase) => phases.push(phase),
      });
      expect(result.firstError).toBeUndefined();
      expect(result.errors).toBe(0);
      expect(phases).toEqual(['start', 'end']);
      // Every frame of every session, and the empty message that ends each.
      const frames = scripts.slice(0, SESSIONS).reduce((n, s) => n + s.frames.length + 1, 0);
      expect(result.frames).toBe(frames);
      expect(result.samples).toHaveLength(expectedResponses(scripts, SESSIONS));
      expect(result.samples.length).toBeGreaterThan(0);
      for (const sample of result.samples) expect(sample.latencyMs).toBeGreaterThanOrEqual(0);
      // Real time: 5 s of audio take at least 5 s to send.
      expect(result.windowMs).toBeGreaterThanOrEqual(5000 - workload.frameSamples / 16);
      if (model === 'vad-asr-fast') {
        expect(result.samples.some((s) => s.final === true)).toBe(true);
        expect(result.samples.some((s) => s.final === false)).toBe(true);
      } else {
        expect(result.samples.every((s) => s.final === undefined)).toBe(true);
      }
    },
    120_000,
  );

  it('counts a result that differs from the reference as an error', async () => {
    const workload = WORKLOADS.find((w) => w.model === 'vad')!;
    const [script] = await sessionScripts(workload, speech.folders.vad, 5);
    const reference = script!.reference!;
    expect(reference.responses.length).toBeGreaterThan(0);
    const wrong: SessionScript = {
      frames: script!.frames,
      reference: { ...reference, responses: reference.responses.map(() => '[["event",["elsewhere"]]]') },
    };
    const result = await runStep({
      url: url('vad'),
      sessions: 1,
      scripts: [wrong],
      frameMs: 32,
      settle: () => speech.waitForIdle(5000),
    });
    expect(result.errors).toBe(reference.responses.length);
    expect(result.firstError).toMatch(/^response 0 differs from the reference/);
  }, 120_000);
});

describe('the speech capacity server with --speech-batch', () => {
  it('writes max_batch_size and max_batch_time into the VAD models, and says why a server that cannot batch refuses them', async () => {
    const speech = await startSpeechServer(ROOT, CLI, {
      maxAsrSessions: 1,
      vadBatch: { maxBatchSize: 32, maxBatchTime: 0.005 },
    });
    try {
      for (const model of ['silero-vad', 'vad'] as const) {
        const settings = JSON.parse(
          await readFile(path.join(speech.folders[model], 'model-settings.json'), 'utf8'),
        );
        expect(settings).toMatchObject({ max_batch_size: 32, max_batch_time: 0.005 });
        // Either the server batches (issue 12) and serves the model, or its row says why not.
        const why = speech.notReady[model];
        if (why !== undefined) expect(why).toMatch(new RegExp(`^${model} \\w+: .*max_batch_size`));
      }
      const asr = JSON.parse(
        await readFile(path.join(speech.folders['vad-asr'], 'model-settings.json'), 'utf8'),
      );
      expect(asr.max_batch_size).toBeUndefined();
      expect(speech.notReady['vad-asr']).toBeUndefined();
    } finally {
      await speech.stop();
    }
  }, 120_000);
});
