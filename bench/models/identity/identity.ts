import { type InferenceRequest, type InferenceResponse, MLModel } from 'mlserver-ts';

/**
 * The benchmark's unary model: answers every input back as `OUTPUT<n>`, untouched, so a run
 * measures the server's transport and codec costs rather than any computation.
 */
export class IdentityModel extends MLModel {
  override async predict(request: InferenceRequest): Promise<InferenceResponse> {
    return {
      model_name: this.name,
      outputs: request.inputs.map((input, i) => ({
        name: `OUTPUT${i}`,
        shape: input.shape,
        datatype: input.datatype,
        data: input.data,
      })),
    };
  }
}
