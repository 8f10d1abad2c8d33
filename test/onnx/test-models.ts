import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ElementType as T, encodeModel, graph, node, valueInfo } from '../../scripts/onnx-builder.js';

/** Tensor names as real models have them: digits, dots, colons, even JSON. */
export const ODD_NAMES = [
  '53',
  'x.1',
  'softmax_11.tmp_0',
  '{"a": [1, "b"]}',
  'input:0',
  '__proto__',
  'constructor',
];

/** Identity per input: `name` → `name/out`, each of the given element type and shape. */
export function identityModel(
  tensors: { name: string; elemType: number; shape?: (number | string | null)[] }[],
): Uint8Array {
  return encodeModel(
    graph({
      name: 'identity',
      nodes: tensors.map(({ name }, i) => node('Identity', [name], [`${name}/out`], {}, `identity_${i}`)),
      inputs: tensors.map(({ name, elemType, shape }) => valueInfo(name, elemType, shape ?? ['n'])),
      outputs: tensors.map(({ name, elemType, shape }) => valueInfo(`${name}/out`, elemType, shape ?? ['n'])),
    }),
  );
}

/**
 * A deliberately slow model: `x` FP32 [n, n] goes through `iterations` rounds of x ← tanh(x·x)
 * (a Loop), returned as `y`. The caller picks how long it runs.
 */
export function slowModel(): Uint8Array {
  const body = graph({
    name: 'body',
    nodes: [
      node('Identity', ['cond_in'], ['cond_out']),
      node('MatMul', ['x_in', 'x_in'], ['product']),
      node('Tanh', ['product'], ['x_out']),
    ],
    inputs: [
      valueInfo('i', T.INT64, []),
      valueInfo('cond_in', T.BOOL, []),
      valueInfo('x_in', T.FLOAT, ['n', 'n']),
    ],
    outputs: [valueInfo('cond_out', T.BOOL, []), valueInfo('x_out', T.FLOAT, ['n', 'n'])],
  });
  return encodeModel(
    graph({
      name: 'slow',
      nodes: [node('Loop', ['iterations', '', 'x'], ['y'], { body })],
      inputs: [valueInfo('iterations', T.INT64, []), valueInfo('x', T.FLOAT, ['n', 'n'])],
      outputs: [valueInfo('y', T.FLOAT, ['n', 'n'])],
    }),
  );
}

/** Writes `<root>/<name>/model.onnx` and its model-settings.json. */
export async function writeModel(
  root: string,
  name: string,
  bytes: Uint8Array,
  settings: Record<string, unknown> = {},
): Promise<string> {
  const folder = path.join(root, name);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, 'model.onnx'), bytes);
  const { extra, ...rest } = settings as { extra?: Record<string, unknown> };
  const modelSettings = {
    name,
    implementation: 'onnx',
    ...rest,
    parameters: { uri: 'model.onnx', extra: extra ?? {} },
  };
  await writeFile(path.join(folder, 'model-settings.json'), JSON.stringify(modelSettings));
  return folder;
}

/** A fresh temporary model repository. */
export function tempRepository(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'mlserver-onnx-'));
}
