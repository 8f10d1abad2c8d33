import { type InferenceContext, type InferenceRequest, type InferenceResponse, MLModel } from 'mlserver-ts';

/** How many responses each request gets. */
const RESPONSES = 6;

/**
 * The benchmark's streaming model: for every request on the stream, yields its first input back
 * six times with no delay, so a run measures per-event transport cost (SSE `generate_stream`,
 * gRPC `ModelStreamInfer`).
 */
export class SixResponses extends MLModel {
  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    _context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    for await (const request of requests) {
      const input = request.inputs[0]!;
      const output = { name: 'OUTPUT0', shape: input.shape, datatype: input.datatype, data: input.data };
      for (let i = 0; i < RESPONSES; i++) yield { model_name: this.name, outputs: [output] };
    }
  }
}
