import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { OnnxModel } from '../../runtimes/onnx/index.js';
import { fromFloat16Bits } from '../../server/codecs/float16.js';
import { validateInferenceRequest } from '../../server/request-validation.js';
import { modelSettingsValidator } from '../../server/settings/model-settings.js';
import type { ResponseOutput } from '../../server/types.js';
import { WorkerModel } from '../../server/workers/worker-model.js';
import { type ProtoTensor, readTensorProto } from './tensor-proto.js';

/** Where Debian's libonnx-testdata puts ONNX's backend node tests. */
export const NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** The outcome of one backend test: passed, or the failure category and detail. */
export interface Outcome {
  test: string;
  category: string | undefined;
  detail?: string;
}

const RTOL = 1e-3;
const ATOL = 1e-7;

/**
 * Runs one ONNX backend test through the runtime's own path: load the model with the ONNX
 * runtime (in-process session, or in `workers` worker threads as the server runs it), turn each
 * test-data TensorProto into a protocol request, check it
 * as the server does, predict, and compare every output with the expected TensorProto (ONNX's
 * tolerances: rtol 1e-3, atol 1e-7; integers, booleans and strings exactly).
 */
export async function runBackendTest(folder: string, workers = 0): Promise<Outcome> {
  const test = path.basename(folder);
  const settings = modelSettingsValidator.validate(
    {
      name: test,
      implementation: 'onnx',
      parameters: {
        uri: 'model.onnx',
        extra: { workers, intra_op_num_threads: 1, log_severity_level: 3 },
      },
      folder,
      source: path.join(folder, 'model-settings.json'),
    },
    'conformance',
  );
  const quiet = { info() {}, warn() {}, error() {} };
  const model =
    workers === 0
      ? new OnnxModel(settings)
      : new WorkerModel(settings, {
          workers,
          maxWaiting: Number.POSITIVE_INFINITY,
          policy: { scope: 'model_folder' },
          logger: quiet,
          unloadWarnMs: 5000,
        });
  try {
    await model.load();
  } catch (err) {
    return { test, ...loadCategory((err as Error).message) };
  }
  try {
    const metadata = await model.metadata();
    const sets = (await readdir(folder)).filter((f) => f.startsWith('test_data_set_')).sort();
    for (const set of sets) {
      const dir = path.join(folder, set);
      const files = (await readdir(dir)).sort(byIndex);
      let inputs: ProtoTensor[];
      let expected: ProtoTensor[];
      try {
        inputs = await Promise.all(files.filter((f) => f.startsWith('input_')).map((f) => readProto(dir, f)));
        expected = await Promise.all(
          files.filter((f) => f.startsWith('output_')).map((f) => readProto(dir, f)),
        );
      } catch (err) {
        return {
          test,
          category: 'test data with an element type the protocol lacks',
          detail: (err as Error).message,
        };
      }
      inputs.forEach((input, i) => {
        if (!input.name) input.name = metadata.inputs[i]?.name ?? `input_${i}`;
      });
      let outputs: ResponseOutput[];
      try {
        const request = validateInferenceRequest({ inputs });
        const controller = new AbortController();
        const response = await model.predict(request, {
          signal: controller.signal,
          headers: {},
          requestId: test,
        });
        outputs = response.outputs;
      } catch (err) {
        const error = err as Error & { code?: string };
        return { test, category: `run failed (${error.code ?? 'error'})`, detail: error.message };
      }
      for (let i = 0; i < expected.length; i++) {
        const want = expected[i]!;
        const got = outputs.find((o) => o.name === want.name) ?? outputs[i];
        const problem = got ? compare(got, want) : 'missing output';
        if (problem)
          return { test, category: 'output differs', detail: `${want.name || `output ${i}`}: ${problem}` };
      }
    }
    return { test, category: undefined };
  } finally {
    await model.unload();
  }
}

function byIndex(a: string, b: string): number {
  const number = (f: string) => Number(/_(\d+)\.pb$/.exec(f)?.[1] ?? 0);
  return a.localeCompare(b.replace(/_\d+\.pb$/, '')) || number(a) - number(b);
}

async function readProto(dir: string, file: string): Promise<ProtoTensor> {
  return readTensorProto(await readFile(path.join(dir, file)));
}

/** Sorts a load failure into the categories docs/onnx.md explains. */
function loadCategory(message: string): { category: string; detail: string } {
  const rules: [RegExp, string][] = [
    [/element type bfloat16/, 'BF16 element type'],
    [/element type float8/, 'FLOAT8 element types'],
    [/element type u?int4/, '4-bit element types'],
    [/is not a tensor/, 'sequence, map or optional inputs/outputs'],
    [/Could not find an implementation|NOT_IMPLEMENTED/, 'operator not implemented by onnxruntime'],
  ];
  const found = rules.find(([pattern]) => pattern.test(message));
  return { category: found ? found[1] : 'onnxruntime cannot load the model', detail: message };
}

function compare(got: ResponseOutput, want: ProtoTensor): string | undefined {
  if (got.datatype !== want.datatype) return `datatype ${got.datatype}, expected ${want.datatype}`;
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) {
    return `shape ${JSON.stringify(got.shape)}, expected ${JSON.stringify(want.shape)}`;
  }
  const actual = Array.from(got.data as ArrayLike<unknown>);
  let reference = Array.from(want.data as ArrayLike<unknown>);
  if (want.datatype === 'FP16') reference = reference.map((bits) => fromFloat16Bits(bits as number));
  const float = want.datatype === 'FP16' || want.datatype === 'FP32' || want.datatype === 'FP64';
  for (let i = 0; i < reference.length; i++) {
    const a = actual[i];
    const b = reference[i];
    const same = float ? close(a as number, b as number) : String(a) === String(b);
    if (!same) return `element ${i} is ${String(a)}, expected ${String(b)}`;
  }
  return undefined;
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= ATOL + RTOL * Math.abs(b);
}
