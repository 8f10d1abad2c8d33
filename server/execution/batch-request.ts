import { InternalError } from '../errors.js';
import type {
  InferenceRequest,
  InferenceResponse,
  RequestInput,
  ResponseOutput,
  TensorData,
} from '../types.js';
import { sharedParameters } from './batch-key.js';
import type { BatchLayout } from './batch-layout.js';
import { concatAlong, splitAlong } from './tensor-batch.js';

/**
 * One request made of several compatible ones (see `batchShape`): each batched input joined
 * along its batch axis in the order given, shared inputs taken once, the shared parameters kept
 * (per-request ones such as headers are not passed on), the first request's id.
 */
export function mergeRequests(requests: readonly InferenceRequest[], layout: BatchLayout): InferenceRequest {
  const first = requests[0]!;
  const inputs: RequestInput[] = first.inputs.map((input, i) => {
    if (input.shape.length === 0) return input;
    const joined = concatAlong(
      requests.map((request) => request.inputs[i]!),
      layout.axisOf(input.name),
    );
    return { ...input, shape: [...joined.shape], data: joined.data };
  });
  const merged: InferenceRequest = { inputs };
  if (first.id !== undefined) merged.id = first.id;
  const parameters = sharedParameters(first.parameters);
  if (parameters) merged.parameters = parameters;
  if (first.outputs) merged.outputs = first.outputs;
  return merged;
}

/**
 * Each request's share of a batch's response: every output with a batch axis cut along it by
 * the requests' `sizes`, rank-0 outputs given to each, the response's parameters to each, each
 * with its own request's id. An output whose batch axis does not hold the whole batch cannot be
 * shared out: that is the runtime's error, for the whole batch.
 */
export function splitResponse(
  model: string,
  response: InferenceResponse,
  requests: readonly InferenceRequest[],
  sizes: readonly number[],
  layout: BatchLayout,
): InferenceResponse[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const shares: ResponseOutput[][] = requests.map(() => []);
  for (const output of response.outputs) {
    const axis = layout.axisOf(output.name);
    if (output.shape.length === 0) {
      for (const share of shares) share.push(output);
      continue;
    }
    if (output.shape.length <= axis || output.shape[axis] !== total) {
      throw new InternalError(
        `model '${model}' answered a batch of ${total} with output '${output.name}' of shape ${JSON.stringify(output.shape)}: its batch axis (${axis}) must have ${total} entries`,
      );
    }
    const pieces = splitAlong({ shape: output.shape, data: flat(output.data) }, axis, sizes);
    pieces.forEach((piece, i) => {
      shares[i]!.push({ ...output, shape: [...piece.shape], data: piece.data });
    });
  }
  return requests.map((request, i) => {
    const own: InferenceResponse = { ...response, outputs: shares[i]! };
    if (request.id !== undefined) own.id = request.id;
    else delete own.id;
    return own;
  });
}

function flat(data: TensorData): TensorData {
  return !ArrayBuffer.isView(data) && data.some(Array.isArray)
    ? (data.flat(Number.POSITIVE_INFINITY) as unknown[])
    : data;
}
