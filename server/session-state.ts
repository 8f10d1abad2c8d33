import type { SessionSpec } from './session-spec.js';
import type {
  InferenceRequest,
  InferenceResponse,
  RequestInput,
  ResponseOutput,
  TypedArray,
} from './types.js';

/**
 * One session's server-held state: before each step the state inputs a request leaves out are
 * filled from the previous step's outputs (or their initial values), context inputs are
 * prefixed with the tail of the previous step's, and missing default inputs are added; after it
 * the state outputs are kept for the next step and taken out of the response unless the client
 * asked for them by name. So a client streams plain chunks (audio frames) and the server carries
 * the model's recurrent state, whatever the transport.
 */
export class SessionState {
  private readonly carried = new Map<string, RequestInput>();
  private readonly tails = new Map<string, unknown[] | TypedArray>();

  constructor(private readonly spec: Pick<SessionSpec, 'state' | 'context' | 'defaults'>) {}

  /** Whether there is anything to fill or carry. */
  get active(): boolean {
    const { state, context, defaults } = this.spec;
    return state.length > 0 || context.length > 0 || defaults.length > 0;
  }

  /**
   * The request with its state, context and default inputs filled, and the state outputs it must
   * compute (added to `outputs` when the client named only some). Returns the names to hide afterwards.
   */
  prepare(request: InferenceRequest): { request: InferenceRequest; hidden: ReadonlySet<string> } {
    const given = new Set(request.inputs.map((input) => input.name));
    const inputs = request.inputs.map((input) => this.withContext(input));
    // Copies: a runtime may transfer a tensor's buffer to a worker thread, which detaches it.
    for (const entry of this.spec.state) {
      if (given.has(entry.input)) continue;
      const value = this.carried.get(entry.input) ?? entry.initial;
      if (value) inputs.push(copyOf(value));
    }
    for (const input of this.spec.defaults) if (!given.has(input.name)) inputs.push(copyOf(input));
    const named = request.outputs?.map((output) => output.name);
    const hidden = new Set<string>();
    let outputs = request.outputs;
    for (const entry of this.spec.state) {
      if (named?.includes(entry.output)) continue;
      hidden.add(entry.output);
      if (named && named.length > 0) outputs = [...(outputs ?? []), { name: entry.output }];
    }
    return { request: { ...request, inputs, ...(outputs ? { outputs } : {}) }, hidden };
  }

  /** Keeps the step's state outputs for the next step; returns the response without the hidden ones. */
  update(response: InferenceResponse, hidden: ReadonlySet<string>): InferenceResponse {
    for (const entry of this.spec.state) {
      const output = response.outputs.find((o) => o.name === entry.output);
      if (output) this.carried.set(entry.input, asInput(entry.input, output));
    }
    if (hidden.size === 0) return response;
    return { ...response, outputs: response.outputs.filter((output) => !hidden.has(output.name)) };
  }

  /**
   * An input of a context entry, each row (along the last axis) prefixed with the last `size`
   * elements of the previous step's row (zeros first); the tail of this one is kept.
   */
  private withContext(input: RequestInput): RequestInput {
    const entry = this.spec.context.find((c) => c.input === input.name);
    if (!entry || input.shape.length === 0) return input;
    const width = input.shape.at(-1)!;
    const rows = width === 0 ? 0 : input.data.length / width;
    const data = input.data;
    const previous = this.tails.get(input.name);
    const wider = width + entry.size;
    const out: unknown[] | TypedArray = ArrayBuffer.isView(data)
      ? new (data.constructor as new (length: number) => TypedArray)(rows * wider)
      : new Array<unknown>(rows * wider).fill(0);
    const tail: unknown[] | TypedArray = ArrayBuffer.isView(data)
      ? new (data.constructor as new (length: number) => TypedArray)(rows * entry.size)
      : new Array<unknown>(rows * entry.size).fill(0);
    for (let row = 0; row < rows; row++) {
      for (let i = 0; i < entry.size; i++) {
        const fromPrevious = previous ? previous[row * entry.size + i] : undefined;
        (out as unknown[])[row * wider + i] = fromPrevious ?? zeroOf(data);
        const source = row * width + width - entry.size + i;
        (tail as unknown[])[row * entry.size + i] = source >= row * width ? data[source] : zeroOf(data);
      }
      for (let i = 0; i < width; i++)
        (out as unknown[])[row * wider + entry.size + i] = data[row * width + i];
    }
    this.tails.set(input.name, tail);
    return { ...input, shape: [...input.shape.slice(0, -1), wider], data: out };
  }
}

function zeroOf(data: unknown[] | TypedArray): unknown {
  return data instanceof BigInt64Array || data instanceof BigUint64Array ? 0n : 0;
}

/** An output fed back as the next step's input: a copy, so the response keeps its own data. */
function asInput(name: string, output: ResponseOutput): RequestInput {
  return copyOf({ name, datatype: output.datatype, shape: output.shape, data: output.data });
}

/** A tensor with data of its own (typed arrays copied into a new buffer). */
function copyOf(input: RequestInput): RequestInput {
  const data = ArrayBuffer.isView(input.data) ? input.data.slice() : [...input.data];
  return { name: input.name, datatype: input.datatype, shape: [...input.shape], data };
}
