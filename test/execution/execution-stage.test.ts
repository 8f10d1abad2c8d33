import { CancelledError, InternalError, InvalidInputError, OverloadedError } from '../../server/errors.js';
import { BatchLayout } from '../../server/execution/batch-layout.js';
import { ExecutionStage, type StageOptions } from '../../server/execution/execution-stage.js';
import type { InferenceContext } from '../../server/context.js';
import type { InferenceRequest, InferenceResponse } from '../../server/types.js';

/** Row sums × 2 of input `x` ([n, k]); records every call's batch size and start time. */
class RowSums {
  calls: { rows: number; at: number; signal: AbortSignal; parameters: unknown }[] = [];
  gate: Promise<void> | undefined;
  async predict(request: InferenceRequest, context: InferenceContext): Promise<InferenceResponse> {
    const x = request.inputs.find((input) => input.name === 'x')!;
    const [rows, width] = x.shape as [number, number];
    this.calls.push({ rows, at: performance.now(), signal: context.signal, parameters: request.parameters });
    if (this.gate) await this.gate;
    const data = Array.from(x.data as ArrayLike<number>);
    if (data.some(Number.isNaN)) throw new InvalidInputError('x holds NaN');
    if (data.includes(-666)) throw new InternalError('the model fell over');
    const sums = Array.from(
      { length: rows },
      (_, r) => data.slice(r * width, (r + 1) * width).reduce((a, b) => a + b, 0) * 2,
    );
    return {
      id: request.id,
      parameters: { note: 'batch' },
      outputs: [
        { name: 'y', datatype: 'FP64', shape: [rows], data: Float64Array.from(sums) },
        { name: 'rows', datatype: 'INT32', shape: [], data: [rows] },
      ],
    };
  }
}

function stage(model: RowSums, options: Partial<StageOptions> = {}): ExecutionStage {
  return new ExecutionStage(model, {
    model: 'sums',
    maxQueue: 100,
    maxBatchSize: 4,
    maxBatchTimeMs: 60_000,
    concurrency: Number.POSITIVE_INFINITY,
    layout: BatchLayout.plain,
    ...options,
  });
}

function request(id: string, rows: number[][], parameters?: Record<string, unknown>): InferenceRequest {
  return {
    id,
    ...(parameters ? { parameters } : {}),
    inputs: [{ name: 'x', datatype: 'FP64', shape: [rows.length, rows[0]!.length], data: rows.flat() }],
  };
}

function context(id: string, signal = new AbortController().signal): InferenceContext {
  return { signal, headers: {}, requestId: id };
}

const y = (response: InferenceResponse) => Array.from(response.outputs[0]!.data as Float64Array);

describe('execution stage: adaptive batching', () => {
  test('a full batch runs at once and each request gets its own share, id and parameters', async () => {
    const model = new RowSums();
    const s = stage(model);
    const inputs = [
      [[1, 2]],
      [
        [3, 4],
        [5, 6],
      ],
      [[7, 8]],
      [[9, 10]],
    ];
    const results = await Promise.all(
      inputs.map((rows, i) => s.predict(request(`r${i}`, rows), context(`r${i}`))),
    );
    expect(model.calls.map((c) => c.rows)).toEqual([5]);
    expect(results.map(y)).toEqual([[6], [14, 22], [30], [38]]);
    expect(results.map((r) => r.id)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(results.map((r) => r.outputs[0]!.shape)).toEqual([[1], [2], [1], [1]]);
    expect(results.every((r) => r.parameters?.note === 'batch')).toBe(true);
    // A rank-0 output goes to each request as it is.
    expect(results[1]!.outputs[1]).toEqual({ name: 'rows', datatype: 'INT32', shape: [], data: [5] });
    // Batched results equal unbatched ones, element for element.
    const alone = stage(new RowSums(), { maxBatchSize: 0 });
    for (const [i, rows] of inputs.entries()) {
      expect(y(await alone.predict(request(`a${i}`, rows), context(`a${i}`)))).toEqual(y(results[i]!));
    }
  });

  test('the window starts with the first request: a batch never runs before max_batch_time after it', async () => {
    const model = new RowSums();
    const s = stage(model, { maxBatchTimeMs: 400 });
    const first = performance.now();
    const a = s.predict(request('a', [[1, 1]]), context('a'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const b = s.predict(request('b', [[2, 2]]), context('b'));
    const [ra, rb] = await Promise.all([a, b]);
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.rows).toBe(2);
    // Timers may fire a millisecond early, never hundreds.
    expect(model.calls[0]!.at - first).toBeGreaterThanOrEqual(395);
    expect([y(ra), y(rb)]).toEqual([[4], [8]]);
    // A request after the batch ran opens a new window.
    await s.predict(request('c', [[3, 3]]), context('c'));
    expect(model.calls.map((c) => c.rows)).toEqual([2, 1]);
  });

  test('requests that cannot share a call run in separate batches', async () => {
    const model = new RowSums();
    const s = stage(model, { maxBatchTimeMs: 50 });
    const shared = (id: string, sr: number, width: number) => ({
      id,
      inputs: [
        { name: 'x', datatype: 'FP64' as const, shape: [1, width], data: new Array(width).fill(1) },
        { name: 'sr', datatype: 'INT64' as const, shape: [], data: [sr] },
      ],
    });
    await Promise.all([
      s.predict(shared('a', 16000, 2), context('a')),
      s.predict(shared('b', 16000, 2), context('b')),
      s.predict(shared('c', 8000, 2), context('c')),
      s.predict(shared('d', 16000, 3), context('d')),
      s.predict(request('e', [[1, 1]], { temperature: 0.5 }), context('e')),
      s.predict(request('f', [[1, 1]], { temperature: 0.5, headers: { 'x-request-id': 'f' } }), context('f')),
    ]);
    expect(model.calls.map((c) => c.rows).sort()).toEqual([1, 1, 2, 2]);
    // Per-request parameters (headers) are not passed on to a batch; shared ones are.
    expect(
      model.calls.find((c) => (c.parameters as { temperature?: number })?.temperature)?.parameters,
    ).toEqual({
      temperature: 0.5,
    });
  });

  test('a request at fault fails alone; a model failure fails the batch', async () => {
    const model = new RowSums();
    const s = stage(model);
    const results = await Promise.allSettled([
      s.predict(request('good1', [[1, 2]]), context('good1')),
      s.predict(request('bad', [[Number.NaN, 2]]), context('bad')),
      s.predict(request('good2', [[3, 4]]), context('good2')),
      s.predict(request('good3', [[5, 6]]), context('good3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidInputError);
    expect(y((results[2] as PromiseFulfilledResult<InferenceResponse>).value)).toEqual([14]);
    // The batch, then each request on its own.
    expect(model.calls.map((c) => c.rows)).toEqual([4, 1, 1, 1, 1]);

    const crash = await Promise.allSettled([
      s.predict(request('x1', [[1, 2]]), context('x1')),
      s.predict(request('x2', [[-666, 2]]), context('x2')),
      s.predict(request('x3', [[1, 2]]), context('x3')),
      s.predict(request('x4', [[1, 2]]), context('x4')),
    ]);
    expect(crash.every((r) => r.status === 'rejected' && r.reason instanceof InternalError)).toBe(true);
  });

  test('an output without the whole batch on its batch axis fails the batch with a clear error', async () => {
    const model = {
      predict: async (): Promise<InferenceResponse> => ({
        outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: [0] }],
      }),
    };
    const s = new ExecutionStage(model, {
      model: 'odd',
      maxQueue: 10,
      maxBatchSize: 2,
      maxBatchTimeMs: 60_000,
      concurrency: Number.POSITIVE_INFINITY,
      layout: BatchLayout.plain,
    });
    const results = await Promise.allSettled([
      s.predict(request('a', [[1]]), context('a')),
      s.predict(request('b', [[2]]), context('b')),
    ]);
    const reason = (results[0] as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(InternalError);
    expect(reason.message).toMatch(/answered a batch of 2 with output 'y' of shape \[1\]/);
  });

  test('state on axis 1 is stacked and cut on axis 1', async () => {
    const calls: number[][] = [];
    const model = {
      predict: async (req: InferenceRequest): Promise<InferenceResponse> => {
        const state = req.inputs.find((i) => i.name === 'state')!;
        calls.push(state.shape);
        // The next state is the state + 1; the output is the row count of x.
        return {
          outputs: [
            {
              name: 'stateN',
              datatype: 'FP32',
              shape: state.shape,
              data: Float32Array.from(state.data as Float32Array, (v) => v + 1),
            },
          ],
        };
      },
    };
    const s = new ExecutionStage(model, {
      model: 'vad',
      maxQueue: 10,
      maxBatchSize: 3,
      maxBatchTimeMs: 60_000,
      concurrency: Number.POSITIVE_INFINITY,
      layout: BatchLayout.fromState([{ input: 'state', output: 'stateN', batchAxis: 1 }]),
    });
    const step = (id: string, base: number) => ({
      id,
      inputs: [
        { name: 'x', datatype: 'FP32' as const, shape: [1, 2], data: Float32Array.from([0, 0]) },
        {
          name: 'state',
          datatype: 'FP32' as const,
          shape: [2, 1, 2],
          data: Float32Array.from([base, base + 1, base + 2, base + 3]),
        },
      ],
    });
    const results = await Promise.all(
      [10, 20, 30].map((base, i) => s.predict(step(`s${i}`, base), context(`s${i}`))),
    );
    expect(calls).toEqual([[2, 3, 2]]);
    expect(results.map((r) => [r.outputs[0]!.shape, Array.from(r.outputs[0]!.data as Float32Array)])).toEqual(
      [
        [
          [2, 1, 2],
          [11, 12, 13, 14],
        ],
        [
          [2, 1, 2],
          [21, 22, 23, 24],
        ],
        [
          [2, 1, 2],
          [31, 32, 33, 34],
        ],
      ],
    );
  });
});

describe('execution stage: queue, concurrency and cancellation', () => {
  test('concurrency bounds model calls; a batch that waited takes the requests that came since', async () => {
    const model = new RowSums();
    let open!: () => void;
    model.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const s = stage(model, { concurrency: 1, maxBatchTimeMs: 0 });
    const first = s.predict(request('a', [[1, 1]]), context('a'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s.active).toBe(1);
    const later = ['b', 'c', 'd'].map((id) => s.predict(request(id, [[1, 1]]), context(id)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(s.waiting).toBe(3);
    model.gate = undefined;
    open();
    await Promise.all([first, ...later]);
    expect(model.calls.map((c) => c.rows)).toEqual([1, 3]);
  });

  test('past max_queue_size a request is refused with 429 naming the setting', async () => {
    const model = new RowSums();
    model.gate = new Promise<void>(() => undefined);
    const s = stage(model, { concurrency: 1, maxQueue: 2, maxBatchSize: 0 });
    void s.predict(request('running', [[1]]), context('running'));
    const waiting = [
      s.predict(request('w1', [[1]]), context('w1')),
      s.predict(request('w2', [[1]]), context('w2')),
    ];
    await expect(s.predict(request('over', [[1]]), context('over'))).rejects.toThrow(OverloadedError);
    await expect(s.predict(request('over', [[1]]), context('over'))).rejects.toThrow(/max_queue_size/);
    for (const w of waiting) w.catch(() => undefined);
  });

  test('a request aborted while waiting leaves at once; the batch runs for the others', async () => {
    const model = new RowSums();
    const s = stage(model, { maxBatchTimeMs: 200 });
    const controller = new AbortController();
    const gone = s.predict(request('gone', [[1, 1]]), context('gone', controller.signal));
    const stays = s.predict(request('stays', [[2, 2]]), context('stays'));
    controller.abort(new CancelledError('client disconnected'));
    await expect(gone).rejects.toThrow(CancelledError);
    expect(s.waiting).toBe(1);
    expect(y(await stays)).toEqual([8]);
    expect(model.calls.map((c) => c.rows)).toEqual([1]);
  });

  test("a running batch's signal fires only when every request of it was aborted", async () => {
    const model = new RowSums();
    model.gate = new Promise<void>(() => undefined);
    const s = stage(model, { maxBatchSize: 2 });
    const controllers = [new AbortController(), new AbortController()];
    const runs = controllers.map((c, i) => s.predict(request(`r${i}`, [[i, i]]), context(`r${i}`, c.signal)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const batchSignal = model.calls[0]!.signal;
    controllers[0]!.abort(new CancelledError('first left'));
    await expect(runs[0]).rejects.toThrow('first left');
    expect(batchSignal.aborted).toBe(false);
    controllers[1]!.abort(new CancelledError('second left'));
    await expect(runs[1]).rejects.toThrow('second left');
    expect(batchSignal.aborted).toBe(true);
  });
});
