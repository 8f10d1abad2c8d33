/** @jest-environment ./test/onnx/ort-environment.cjs */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { KNOWN_FAILURES } from './conformance-known-failures.js';
import { NODE_TESTS, type Outcome, runBackendTest } from './conformance-runner.js';

const reasonOf = new Map(
  Object.entries(KNOWN_FAILURES).flatMap(([reason, tests]) => tests.map((t) => [t, reason])),
);

describe('ONNX backend node tests (libonnx-testdata) through the runtime', () => {
  test('every test passes or fails for a documented reason', async () => {
    if (!existsSync(NODE_TESTS)) {
      throw new Error(`${NODE_TESTS} is missing: install Debian's libonnx-testdata (.ci/apt-packages does)`);
    }
    const tests = (await readdir(NODE_TESTS)).sort();
    const outcomes: Outcome[] = [];
    for (const test of tests) outcomes.push(await runBackendTest(path.join(NODE_TESTS, test)));
    const failed = outcomes.filter((o) => o.category !== undefined);
    const unexplained = failed
      .filter((o) => !reasonOf.has(o.test))
      .map((o) => `${o.test} [${o.category}]: ${o.detail}`);
    const nowPassing = outcomes
      .filter((o) => o.category === undefined && reasonOf.has(o.test))
      .map((o) => o.test);
    const byReason = new Map<string, number>();
    for (const o of failed) {
      const reason = reasonOf.get(o.test) ?? 'UNEXPLAINED';
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
    const lines = [...byReason].map(([reason, count]) => `  ${count} ${reason}`);
    console.log(
      `ONNX conformance: ${outcomes.length - failed.length} passed, ${failed.length} failed of ${outcomes.length}\n${lines.join('\n')}` +
        (nowPassing.length ? `\n  listed as failing but now passing: ${nowPassing.join(', ')}` : ''),
    );
    expect(unexplained).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(900);
  }, 600_000);

  test('a sample of them gives the same outcome in a worker thread, as the server runs them', async () => {
    // Every 16th: each test starts a worker that loads the server's modules and onnxruntime
    // (≈0.2-0.4 s here); every 4th took 105 s of the suite.
    const tests = (await readdir(NODE_TESTS)).sort().filter((_, i) => i % 16 === 0);
    const differing: string[] = [];
    for (const test of tests) {
      const folder = path.join(NODE_TESTS, test);
      const [inline, pooled] = [await runBackendTest(folder, 0), await runBackendTest(folder, 1)];
      if (inline.category !== pooled.category)
        differing.push(`${test}: ${inline.category} vs ${pooled.category}`);
    }
    console.log(
      `ONNX conformance through a worker: ${tests.length - differing.length} of ${tests.length} sampled tests agree`,
    );
    expect(differing).toEqual([]);
    expect(tests.length).toBeGreaterThan(50);
  }, 600_000);
});
