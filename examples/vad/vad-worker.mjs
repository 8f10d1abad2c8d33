// The Silero VAD session of one worker thread (plain JavaScript: Node cannot start a worker
// from a TypeScript file). Stateless between jobs: each job carries its stream's model state
// and the 64-sample context, and gets them back updated with one probability per window.
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

const { modelPath, sampleRate, window, contextSize } = workerData;

const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(sampleRate)]));
const input = new Float32Array(contextSize + window);

parentPort.on('message', async ({ samples, context, state }) => {
  try {
    const probabilities = new Float32Array(samples.length / window);
    for (let i = 0; i < probabilities.length; i++) {
      // Silero's OnnxWrapper: each window goes in after the last 64 samples of the one before.
      input.set(context, 0);
      input.set(samples.subarray(i * window, (i + 1) * window), contextSize);
      const out = await session.run({
        input: new ort.Tensor('float32', input, [1, input.length]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr,
      });
      probabilities[i] = out.output.data[0];
      state = out.stateN.data;
      context = input.slice(input.length - contextSize);
    }
    parentPort.postMessage({ probabilities, context, state: Float32Array.from(state) });
  } catch (err) {
    parentPort.postMessage({ error: String(err?.message ?? err) });
  }
});
parentPort.postMessage({ ready: true });
