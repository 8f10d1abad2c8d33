/**
 * Where each tensor of a model keeps its batch: axis 0 unless the model's settings say otherwise
 * (a recurrent state such as Silero VAD's `[2, batch, 128]` keeps it on axis 1:
 * `session.state[].batch_axis`). Rank-0 tensors have no batch axis: they are shared by a batch.
 */
export class BatchLayout {
  static readonly plain = new BatchLayout(new Map());

  constructor(private readonly axes: ReadonlyMap<string, number>) {}

  /** The batch axis of the input or output `name`. */
  axisOf(name: string): number {
    return this.axes.get(name) ?? 0;
  }

  /** A layout from state entries: each keeps its batch on `batchAxis`, its input and output alike. */
  static fromState(state: readonly { input: string; output: string; batchAxis: number }[]): BatchLayout {
    if (state.every((entry) => entry.batchAxis === 0)) return BatchLayout.plain;
    const axes = new Map<string, number>();
    for (const entry of state) {
      axes.set(entry.input, entry.batchAxis);
      axes.set(entry.output, entry.batchAxis);
    }
    return new BatchLayout(axes);
  }
}
