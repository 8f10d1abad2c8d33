import { setTimeout as sleep } from 'node:timers/promises';
import {
  type InferenceContext,
  type InferenceRequest,
  type InferenceResponse,
  MLModel,
  StringCodec,
} from 'mlserver-ts';

/**
 * MLServer's streaming example, ported: splits the prompt into words and streams them back one
 * every 0.5 s, the way an LLM streams tokens.
 */
export class TextModel extends MLModel {
  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    for await (const request of requests) {
      const text = StringCodec.decodeInput(request.inputs[0]!)[0] ?? '';
      const words = text.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`));
      for (const word of words) {
        await sleep(500, undefined, { signal: context.signal });
        yield {
          model_name: this.settings.name,
          outputs: [StringCodec.encodeOutput('output', [word])],
        };
      }
    }
  }
}
