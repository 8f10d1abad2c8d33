import { type InferenceRequest, type InferenceResponse, MLModel } from 'mlserver-ts';

/**
 * total = step + carry, with `carry` held by the server (model-settings `session.state`): a
 * running sum per session or Triton sequence. State lives in one replica's memory, so a
 * sequence's steps must all reach that replica: the rig's proxy routes them by `x-sequence-id`.
 */
export class Accumulator extends MLModel {
  override async predict(request: InferenceRequest): Promise<InferenceResponse> {
    const value = (name: string) => Number(request.inputs.find((i) => i.name === name)?.data[0] ?? 0);
    return {
      outputs: [{ name: 'total', shape: [1], datatype: 'INT32', data: [value('step') + value('carry')] }],
    };
  }
}
