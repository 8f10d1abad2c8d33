import { type InferenceRequest, type InferenceResponse, MLModel } from 'mlserver-ts';

/**
 * The benchmark's CPU-bound runtime: a synchronous loop of `parameters.iterations` (default
 * 1,000,000, about 5-10 ms of one core) per request, as a runtime that computes in JavaScript
 * (or in a synchronous native call) does. Served as `cpu-w0`, `cpu-w1` and `cpu-w2`: the same
 * runtime in the server thread and in one and two worker threads.
 */
export class CpuBound extends MLModel {
  override async predict(request: InferenceRequest): Promise<InferenceResponse> {
    const iterations = Number(request.parameters?.iterations ?? 1_000_000);
    let x = 0;
    for (let i = 0; i < iterations; i++) x += Math.sqrt(i) * 1e-9;
    return { model_name: this.name, outputs: [{ name: 'x', shape: [1], datatype: 'FP64', data: [x] }] };
  }
}
