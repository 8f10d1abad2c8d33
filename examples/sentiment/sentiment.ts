/** The README's runtime example, kept here so the tests run it exactly as documented. */
import {
  type InferenceContext,
  type InferenceRequest,
  type InferenceResponse,
  InvalidInputError,
  MLModel,
  StringCodec,
} from 'mlserver-ts';

export class Sentiment extends MLModel {
  private positive = new Set<string>();

  /** Called once; throwing leaves the model UNAVAILABLE with the reason. */
  override async load(): Promise<void> {
    const words = this.settings.parameters.extra.positive_words;
    if (!Array.isArray(words)) throw new Error('parameters.extra.positive_words must be a list');
    this.positive = new Set(words as string[]);
  }

  /** One request, one response: REST `infer`/`generate`, gRPC `ModelInfer`. */
  override async predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    const input = request.inputs.find((i) => i.name === 'text');
    if (!input) throw new InvalidInputError("input 'text' is required"); // → 400
    const scores = StringCodec.decodeInput(input).map(
      (text) => text.split(/\s+/).filter((w) => this.positive.has(w)).length,
    );
    return {
      model_name: this.name,
      outputs: [{ name: 'score', shape: [scores.length], datatype: 'INT32', data: scores }],
      parameters: { headers: { 'x-request-seen': context.requestId } }, // sent as HTTP headers
    };
  }

  /** Requests in, responses out: SSE `infer_stream`/`generate_stream`, gRPC `ModelStreamInfer`. */
  override async *predictStream(requests: AsyncIterable<InferenceRequest>, context: InferenceContext) {
    for await (const request of requests) {
      if (context.signal.aborted) return; // client gone, deadline or shutdown
      yield await this.predict(request, context);
    }
  }
}
