import { DATATYPE_INFO } from './codecs/datatypes.js';
import type { InferenceRequest } from './types.js';
import { DecodeBudget, type DecodeLimits, declaredBytes } from './wire/decode-budget.js';

/**
 * Holds a decoded request to `max_tensor_bytes` per input and `max_request_tensor_bytes` per
 * request, whatever transport decoded it (the JSON decoder checks the same limits before it
 * builds anything; gRPC and binary frames arrive decoded, bounded by their message limits):
 * a 413 naming the tensor, its size and the limit. BYTES count 4 + length per element.
 */
export function checkTensorBudget(request: InferenceRequest, limits: DecodeLimits): void {
  const budget = new DecodeBudget(limits);
  for (const input of request.inputs) {
    const label = `input '${input.name}'`;
    if (DATATYPE_INFO[input.datatype].kind !== 'bytes') {
      budget.reserve(label, input.datatype, input.shape, declaredBytes(input.datatype, input.shape));
      continue;
    }
    let soFar = 0;
    for (const element of input.data as unknown[]) {
      const bytes =
        4 +
        (typeof element === 'string'
          ? Buffer.byteLength(element)
          : ((element as Uint8Array)?.byteLength ?? 0));
      budget.reserveMore(label, soFar, bytes);
      soFar += bytes;
    }
  }
}
