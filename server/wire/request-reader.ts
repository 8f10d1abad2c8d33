import { InferenceServerError, InvalidInputError } from '../errors.js';
import { DecodeBudget, type DecodeLimits } from './decode-budget.js';
import { JsonCursor } from './json-cursor.js';
import { JsonValueReader, setProperty } from './json-values.js';
import { readTensorData } from './tensor-data.js';
import { planOf, samePlan, type TensorPlan } from './tensor-plan.js';
import { openSink, type TensorSink } from './tensor-sink.js';

/** Bounds of one decode besides the tensor sizes. */
export interface ReaderBounds {
  /** Deepest nesting of arrays and objects outside tensor data; also the largest tensor rank. */
  maxDepth: number;
  /** Most JSON values outside tensor data. */
  maxValues: number;
}

/** An input whose data is being read or was read: with what plan, into which sink. */
interface Filled {
  plan: TensorPlan;
  /** Holds what the data reserved in the budget. */
  sink?: TensorSink;
}

const INPUT_DEPTH = 3; // request object → inputs array → input object

/**
 * Reads an inference request from JSON bytes in one pass. Everything is built as `JSON.parse`
 * would build it except each input's `data`, which goes straight into the representation
 * runtimes get, after its decoded size is reserved in the budget. When `data` comes before
 * the `shape` or `datatype` it needs, it is checked and skipped, then read again once the
 * input object is complete (a second pass over that value only).
 */
export function readJsonRequest(
  bytes: Uint8Array,
  limits: DecodeLimits,
  bounds: ReaderBounds,
  what = 'request body',
): Record<string, unknown> {
  const cursor = new JsonCursor(bytes, what);
  const values = new JsonValueReader(cursor, bounds.maxDepth, bounds.maxValues);
  if (cursor.peek() !== 0x7b) {
    // Never built (it could be a huge list): checked, then refused as validation would.
    values.skip(0);
    cursor.expectEnd();
    throw new InvalidInputError(`${what} must be a JSON object`);
  }
  const request = new RequestReader(cursor, values, limits, bounds.maxDepth).readRequest();
  cursor.expectEnd();
  return request;
}

class RequestReader {
  constructor(
    private readonly cursor: JsonCursor,
    private readonly values: JsonValueReader,
    private readonly limits: DecodeLimits,
    private readonly maxDepth: number,
  ) {}

  /** The request object: `inputs` read as tensors, everything else as JSON values. */
  readRequest(): Record<string, unknown> {
    const request = this.open(1);
    if (request === undefined) return {};
    do {
      const key = this.cursor.readKey();
      setProperty(request, key, key === 'inputs' ? this.readInputs() : this.values.read(1));
    } while (this.more());
    return request;
  }

  /** Opens an object at `depth`: undefined when it is empty (and closed already). */
  private open(depth: number): Record<string, unknown> | undefined {
    const { cursor, values } = this;
    values.counted();
    values.checkDepth(depth);
    cursor.pos++;
    if (cursor.peek() !== 0x7d) return {};
    cursor.pos++;
    return undefined;
  }

  /** After a property value: true when another property follows, false when the object ends. */
  private more(): boolean {
    const { cursor } = this;
    const next = cursor.peek();
    if (next === 0x2c) {
      cursor.pos++;
      return true;
    }
    if (next !== 0x7d) cursor.unexpected("',' or '}' after a property value");
    cursor.pos++;
    return false;
  }

  /** The `inputs` list, with a fresh budget (a repeated `inputs` key replaces the earlier one). */
  readInputs(): unknown {
    const { cursor, values } = this;
    if (cursor.peek() !== 0x5b) return values.read(1);
    values.counted();
    values.checkDepth(2);
    cursor.pos++;
    const budget = new DecodeBudget(this.limits);
    const inputs: unknown[] = [];
    if (cursor.peek() === 0x5d) {
      cursor.pos++;
      return inputs;
    }
    for (;;) {
      inputs.push(cursor.peek() === 0x7b ? this.readInput(inputs.length, budget) : values.read(2));
      const next = cursor.peek();
      cursor.pos++;
      if (next === 0x5d) return inputs;
      if (next !== 0x2c) {
        cursor.pos--;
        cursor.unexpected("',' or ']' after an array element");
      }
    }
  }

  /**
   * One input object: its data is read as soon as name, datatype and shape are known. What is
   * found then (a 400 or a 413) is final only when the object ends with the same name, datatype
   * and shape: a repeated key may change them, and JSON.parse keeps the last one.
   */
  private readInput(index: number, budget: DecodeBudget): Record<string, unknown> {
    const { cursor, values } = this;
    const input = this.open(INPUT_DEPTH);
    if (input === undefined) return {};
    let dataAt = -1;
    let filled: Filled | undefined;
    let failed: { plan: TensorPlan; error: InferenceServerError } | undefined;
    do {
      const key = cursor.readKey();
      if (key !== 'data') {
        setProperty(input, key, values.read(INPUT_DEPTH));
        continue;
      }
      if (filled) budget.release(filled.sink?.reserved ?? 0);
      filled = undefined;
      failed = undefined;
      cursor.peek();
      dataAt = cursor.pos;
      input.data = null; // a placeholder until the data is read
      const plan = planOf(input, index, this.maxDepth, false);
      if (!plan) {
        values.skip(0); // read once the input is complete
        continue;
      }
      filled = { plan };
      try {
        input.data = this.fill(plan, budget, filled);
      } catch (err) {
        if (!(err instanceof InferenceServerError)) throw err;
        budget.release(filled.sink?.reserved ?? 0);
        failed = { plan, error: err };
        filled = undefined;
        cursor.pos = dataAt;
        try {
          values.skip(0);
        } catch {
          throw err; // invalid JSON, or nested past any rank: final, and the first words are clearer
        }
      }
    } while (this.more());
    if (dataAt < 0) return input;
    // No plan: name, datatype or shape is invalid and validation reports it before the data.
    const plan = planOf(input, index, this.maxDepth, true);
    if (!plan) return input;
    if (failed && samePlan(plan, failed.plan)) throw failed.error;
    if (!filled || !samePlan(plan, filled.plan)) {
      if (filled) budget.release(filled.sink?.reserved ?? 0);
      const end = cursor.pos;
      cursor.pos = dataAt;
      input.data = this.fill(plan, budget, { plan });
      cursor.pos = end;
    }
    return input;
  }

  /** Reserves the input's decoded size, then reads its data. */
  private fill(plan: TensorPlan, budget: DecodeBudget, filled: Filled): unknown {
    const { cursor } = this;
    const sink = openSink(plan, budget, cursor.end - cursor.pos);
    filled.sink = sink;
    readTensorData(cursor, this.values, sink, Math.max(1, plan.shape.length));
    return sink.finish();
  }
}
