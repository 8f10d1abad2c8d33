import { ElementType as T, encodeModel, graph, node, tensor, valueInfo } from './onnx-builder.js';

/**
 * The models that `model-repository/` serves and that we generate ourselves. Each entry is the
 * path of the file (relative to the repository root) and a function returning its bytes;
 * `scripts/generate-models.ts` writes them and a test checks the committed files match.
 */
export const BUNDLED_MODELS: Readonly<Record<string, () => Uint8Array>> = {
  'model-repository/simple/model.onnx': simpleModel,
  'model-repository/iris-classifier/model.onnx': irisClassifier,
};

/**
 * Triton's `simple` example model: `INPUT0`, `INPUT1` INT32 [-1, 16] → `OUTPUT0` = sum,
 * `OUTPUT1` = difference. The tritonclient example programs expect these names and shapes.
 */
export function simpleModel(): Uint8Array {
  const shape = ['batch', 16];
  return encodeModel(
    graph({
      name: 'simple',
      nodes: [node('Add', ['INPUT0', 'INPUT1'], ['OUTPUT0']), node('Sub', ['INPUT0', 'INPUT1'], ['OUTPUT1'])],
      inputs: [valueInfo('INPUT0', T.INT32, shape), valueInfo('INPUT1', T.INT32, shape)],
      outputs: [valueInfo('OUTPUT0', T.INT32, shape), valueInfo('OUTPUT1', T.INT32, shape)],
    }),
    13,
    'Add/sub of two INT32 [-1, 16] tensors, as Triton’s simple example model.',
  );
}

/** The classes of the iris classifier, in label order. */
export const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'];

/**
 * A linear classifier over the four iris measurements (sepal length, sepal width, petal length,
 * petal width, in cm) with hand-set weights, not trained: it ranks by petal length (< 2.5 cm
 * setosa, 2.5–5 cm versicolor, > 5 cm virginica). Three outputs of three datatypes:
 * `probabilities` FP32 [-1, 3], `label` INT64 [-1], `class_name` BYTES [-1].
 */
export function irisClassifier(): Uint8Array {
  const weights = [0, 0, 0, 0, 0, 0, -2, 0, 2, 0, 0, 0];
  return encodeModel(
    graph({
      name: 'iris_classifier',
      nodes: [
        node('Gemm', ['features', 'weights', 'bias'], ['logits']),
        node('Softmax', ['logits'], ['probabilities'], { axis: { int: 1 } }),
        node('ArgMax', ['logits'], ['label'], { axis: { int: 1 }, keepdims: { int: 0 } }),
        node('Gather', ['classes', 'label'], ['class_name'], { axis: { int: 0 } }),
      ],
      inputs: [valueInfo('features', T.FLOAT, ['batch', 4])],
      outputs: [
        valueInfo('probabilities', T.FLOAT, ['batch', 3]),
        valueInfo('label', T.INT64, ['batch']),
        valueInfo('class_name', T.STRING, ['batch']),
      ],
      initializers: [
        tensor('weights', T.FLOAT, [4, 3], weights),
        tensor('bias', T.FLOAT, [3], [5, 0, -10]),
        tensor('classes', T.STRING, [3], IRIS_CLASSES),
      ],
    }),
    13,
    'Iris-style linear classifier with hand-set weights (not trained).',
  );
}
