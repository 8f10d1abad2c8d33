import { type InferenceContext, type InferenceRequest, type InferenceResponse, MLModel } from 'mlserver-ts';

/** A promise with its resolver, so one call can wake every stream waiting on it. */
interface Gate {
  opened: Promise<void>;
  open: () => void;
}

function newGate(): Gate {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * The benchmark's "concurrent streams held" model. Every streamed request waits, idle, until a
 * unary `infer` on this model releases the streams waiting at that moment; each then gets one
 * response. A request with `parameters.greet: true` gets a first response at once and is held
 * after it: an SSE stream sends its head with its first event, so that is how a held SSE stream
 * is open on the wire (a token stream waiting for its next token). The bench opens N streams,
 * reads the server's memory, releases, and counts answers.
 */
export class HeldStreams extends MLModel {
  private gate = newGate();

  /** Releases every stream waiting now, and answers its input back. */
  override async predict(request: InferenceRequest): Promise<InferenceResponse> {
    const released = this.gate;
    this.gate = newGate();
    released.open();
    return { model_name: this.name, outputs: request.inputs.map((input) => ({ ...input, name: 'OUTPUT0' })) };
  }

  override async *predictStream(
    requests: AsyncIterable<InferenceRequest>,
    context: InferenceContext,
  ): AsyncIterable<InferenceResponse> {
    for await (const request of requests) {
      if (request.parameters?.greet === true)
        yield { model_name: this.name, outputs: [{ ...request.inputs[0]!, name: 'OUTPUT0' }] };
      await waitOrAbort(this.gate.opened, context.signal);
      const input = request.inputs[0]!;
      yield { model_name: this.name, outputs: [{ ...input, name: 'OUTPUT0' }] };
    }
  }
}

/** Waits for `gate`, or rejects when the client leaves first (so no listener outlives its stream). */
function waitOrAbort(gate: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    void gate.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
