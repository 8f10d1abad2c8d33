import type { StateSpec } from './session-spec.js';
import type { InferenceRequest, InferenceResponse, RequestInput, ResponseOutput } from './types.js';

/**
 * One session's server-held state: before each step the state inputs a request leaves out are
 * filled from the previous step's outputs (or their initial values) and missing default inputs
 * are added; after it the state outputs are kept for the next step and taken out of the response
 * unless the client asked for them by name. So a client streams plain chunks (audio frames) and
 * the server carries the model's recurrent state, whatever the transport.
 */
export class SessionState {
  private readonly carried = new Map<string, RequestInput>();

  constructor(
    private readonly state: readonly StateSpec[],
    private readonly defaults: readonly RequestInput[],
  ) {}

  /** Whether there is anything to fill or carry. */
  get active(): boolean {
    return this.state.length > 0 || this.defaults.length > 0;
  }

  /**
   * The request with its state and default inputs filled, and the state outputs it must compute
   * (added to `outputs` when the client named only some). Returns the names to hide afterwards.
   */
  prepare(request: InferenceRequest): { request: InferenceRequest; hidden: ReadonlySet<string> } {
    const given = new Set(request.inputs.map((input) => input.name));
    const inputs = [...request.inputs];
    for (const entry of this.state) {
      if (given.has(entry.input)) continue;
      const value = this.carried.get(entry.input) ?? entry.initial;
      if (value) inputs.push(value);
    }
    for (const input of this.defaults) if (!given.has(input.name)) inputs.push(input);
    const named = request.outputs?.map((output) => output.name);
    const hidden = new Set<string>();
    let outputs = request.outputs;
    for (const entry of this.state) {
      if (named?.includes(entry.output)) continue;
      hidden.add(entry.output);
      if (named && named.length > 0) outputs = [...(outputs ?? []), { name: entry.output }];
    }
    return { request: { ...request, inputs, ...(outputs ? { outputs } : {}) }, hidden };
  }

  /** Keeps the step's state outputs for the next step; returns the response without the hidden ones. */
  update(response: InferenceResponse, hidden: ReadonlySet<string>): InferenceResponse {
    for (const entry of this.state) {
      const output = response.outputs.find((o) => o.name === entry.output);
      if (output) this.carried.set(entry.input, asInput(entry.input, output));
    }
    if (hidden.size === 0) return response;
    return { ...response, outputs: response.outputs.filter((output) => !hidden.has(output.name)) };
  }
}

/** An output fed back as the next step's input: a copy, so the response keeps its own data. */
function asInput(name: string, output: ResponseOutput): RequestInput {
  const data = ArrayBuffer.isView(output.data) ? output.data.slice() : [...output.data];
  return { name, datatype: output.datatype, shape: [...output.shape], data };
}
