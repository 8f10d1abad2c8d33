import { DATATYPE_INFO } from '../codecs/datatypes.js';
import { InvalidInputError } from '../errors.js';
import { DecodeBudget, type DecodeLimits } from './decode-budget.js';
import { asBuffer, utf8Text } from './json-cursor.js';
import { tooDeep, tooManyValues } from './json-values.js';
import { type ReaderBounds, readJsonRequest } from './request-reader.js';
import { dataTooDeep } from './tensor-data.js';
import { planOf, type TensorPlan } from './tensor-plan.js';
import { openSink, type TensorSink } from './tensor-sink.js';

/**
 * The path for small bodies: `JSON.parse` (fastest on a few kilobytes), then the same bounds,
 * budget and tensor sinks as the byte-level reader, so that both paths give the same request
 * and the same errors. Only small bodies take it: what `JSON.parse` builds is then small too.
 */
export function parseJsonRequest(
  body: Uint8Array,
  limits: DecodeLimits,
  bounds: ReaderBounds,
  what = 'request body',
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Text(asBuffer(body)));
  } catch (err) {
    // The byte-level reader finds the same fault and names its byte, line and column.
    readJsonRequest(body, limits, bounds, what);
    throw new InvalidInputError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(parsed)) throw new InvalidInputError(`${what} must be a JSON object`);
  const walker = new Walker(bounds, what);
  walker.count(1);
  for (const key of Object.keys(parsed)) {
    const value = parsed[key];
    if (key === 'inputs' && Array.isArray(value)) decodeInputs(value, walker, limits, body.byteLength);
    else walker.walk(value, 1);
  }
  return parsed;
}

function decodeInputs(inputs: unknown[], walker: Walker, limits: DecodeLimits, room: number): void {
  walker.count(2);
  const budget = new DecodeBudget(limits);
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index];
    if (!isRecord(input)) {
      walker.walk(input, 2);
      continue;
    }
    walker.count(3);
    for (const key of Object.keys(input)) if (key !== 'data') walker.walk(input[key], 3);
    if (!Object.hasOwn(input, 'data')) continue;
    const plan = planOf(input, index, walker.bounds.maxDepth);
    if (!plan) {
      input.data = null; // validation reports the invalid name, datatype or shape first
      continue;
    }
    if (keepsParsedList(plan, input.data)) {
      meterParsedList(plan, input.data as unknown[], budget);
      continue; // validation checks the elements, as it checks the sink's
    }
    const sink = openSink(plan, budget, room);
    feed(input.data, sink, Math.max(1, plan.shape.length), walker);
    input.data = sink.finish();
  }
}

/**
 * BOOL and BYTES data already flat needs no copy: JSON.parse built the very list the sink would
 * build (booleans, strings), so it is kept, only sized in the budget.
 */
function keepsParsedList(plan: TensorPlan, data: unknown): boolean {
  if (plan.datatype !== 'BOOL' && plan.datatype !== 'BYTES') return false;
  return Array.isArray(data) && !data.some(Array.isArray);
}

/** Reserves what the sink would: the declared size, then each string element (BYTES) in order. */
function meterParsedList(plan: TensorPlan, data: unknown[], budget: DecodeBudget): void {
  const size = plan.count * DATATYPE_INFO[plan.datatype].byteSize;
  budget.reserve(plan.label, plan.datatype, plan.shape, size);
  if (plan.datatype === 'BYTES') budget.reserveStrings(plan.label, data, plan.count, size);
}

/** Hands parsed tensor data to the sink element by element, flattening without recursion. */
function feed(data: unknown, sink: TensorSink, maxNesting: number, walker: Walker): void {
  if (!Array.isArray(data)) {
    if (sink.plan.count !== 1 || data === null || typeof data === 'object') {
      throw new InvalidInputError(`${sink.plan.label}: 'data' must be an array`);
    }
    element(data, sink, walker);
    return;
  }
  if (sink.numberList(data)) return;
  const lists: unknown[][] = [data];
  const positions: number[] = [0];
  for (;;) {
    const top = lists.length - 1;
    const list = lists[top]!;
    const i = positions[top]!;
    if (i === list.length) {
      lists.pop();
      positions.pop();
      if (lists.length === 0) return;
      continue;
    }
    positions[top] = i + 1;
    const value = list[i];
    if (Array.isArray(value)) {
      if (lists.length + 1 > maxNesting) throw dataTooDeep(sink.plan, lists.length + 1, maxNesting);
      lists.push(value);
      positions.push(0);
    } else {
      element(value, sink, walker);
    }
  }
}

function element(value: unknown, sink: TensorSink, walker: Walker): void {
  switch (typeof value) {
    case 'number':
      sink.number(value);
      return;
    case 'string':
      sink.stringValue(value);
      return;
    case 'boolean':
      sink.bool(value);
      return;
    default:
      // null, or an object: never an element; its nesting is bounded like the reader's skip.
      if (value !== null) walker.walk(value, 0, false);
      sink.other(value as null | object);
  }
}

/** Counts values and checks nesting over parsed JSON, as the byte-level reader does while reading. */
class Walker {
  private values = 0;

  constructor(
    readonly bounds: ReaderBounds,
    private readonly what: string,
  ) {}

  /** Counts the container that holds what follows, at `depth`. */
  count(depth: number): void {
    if (depth > this.bounds.maxDepth) throw tooDeep(this.what, depth, this.bounds.maxDepth);
    if (++this.values > this.bounds.maxValues) throw tooManyValues(this.what, this.bounds.maxValues);
  }

  /**
   * Walks `value`, enclosed by `depth` containers. Recursive, but never deeper than `maxDepth`
   * (checked before each step down; `decodeJsonRequest` keeps it at most `MAX_DEPTH_BOUND`), so
   * no input can run the stack out: JSON.parse built the value without recursion, and this
   * stops at the bound.
   */
  walk(value: unknown, depth: number, counting = true): void {
    if (counting && ++this.values > this.bounds.maxValues)
      throw tooManyValues(this.what, this.bounds.maxValues);
    if (typeof value !== 'object' || value === null) return;
    if (depth + 1 > this.bounds.maxDepth) throw tooDeep(this.what, depth + 1, this.bounds.maxDepth);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) this.walk(value[i], depth + 1, counting);
    } else {
      for (const key of Object.keys(value))
        this.walk((value as Record<string, unknown>)[key], depth + 1, counting);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
