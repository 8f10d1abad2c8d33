import { InvalidInputError } from './errors.js';
import type { InferenceRequest, TensorMetadata } from './types.js';

/**
 * Holds requests to the inputs a model's metadata declares (read once when it loads), for every
 * transport: an input the model declares must come with the declared datatype and a shape that
 * fits it. Inputs the model does not declare, and declared ones a request leaves out, are the
 * runtime's business: MLServer's model-settings often declare only the inputs whose
 * `content_type` they set. A declared shape of `[]` (a scalar, or a rank the model does not
 * state) is not checked. Runtimes that check requests against a complete signature of their own
 * (the ONNX runtime) skip this contract; `strict_inputs: false` in model-settings turns it off.
 */
export class InputContract {
  private readonly byName: ReadonlyMap<string, TensorMetadata>;

  constructor(
    private readonly model: string,
    declared: readonly TensorMetadata[],
  ) {
    this.byName = new Map(declared.map((tensor) => [tensor.name, tensor]));
  }

  /** A contract that takes anything. */
  static readonly open = new InputContract('', []);

  /** Throws a 400 naming the first declared input that a request sends in another form. */
  check(request: InferenceRequest): void {
    if (this.byName.size === 0) return;
    for (const input of request.inputs) {
      const expected = this.byName.get(input.name);
      if (!expected) continue;
      if (input.datatype !== expected.datatype) {
        throw new InvalidInputError(
          `input '${input.name}' has datatype ${input.datatype}; model '${this.model}' takes ${expected.datatype}`,
        );
      }
      if (expected.shape.length > 0 && !fits(input.shape, expected)) {
        throw new InvalidInputError(
          `input '${input.name}' has shape ${JSON.stringify(input.shape)}; model '${this.model}' takes ${JSON.stringify(expected.shape)} (-1: any size)`,
        );
      }
    }
  }
}

/**
 * Whether a shape fits a declared one: the same rank, each declared size -1 (any) or equal. One
 * rule for the core and for runtimes that check their own signature.
 */
export function shapeFits(shape: readonly number[], declared: readonly number[]): boolean {
  return shape.length === declared.length && declared.every((dim, i) => dim === -1 || dim === shape[i]);
}

/** BYTES tensors also fit with trailing 1s added or dropped: MLServer's codecs send strings as `[N, 1]`. */
function fits(shape: readonly number[], expected: TensorMetadata): boolean {
  if (shapeFits(shape, expected.shape)) return true;
  return (
    expected.datatype === 'BYTES' &&
    shapeFits(withoutTrailingOnes(shape), withoutTrailingOnes(expected.shape))
  );
}

function withoutTrailingOnes(shape: readonly number[]): readonly number[] {
  let end = shape.length;
  while (end > 0 && shape[end - 1] === 1) end--;
  return shape.slice(0, end);
}
