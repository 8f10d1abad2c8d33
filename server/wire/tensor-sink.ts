import { endianness } from 'node:os';
import { DATATYPE_INFO } from '../codecs/datatypes.js';
import { toBFloat16Bits, toFloat16Bits } from '../codecs/float16.js';
import { parseFloatWord } from '../codecs/tensor-codec.js';
import { InternalError, InvalidInputError, PayloadTooLargeError } from '../errors.js';
import { countMismatch, elementProblem } from '../request-validation.js';
import type { Datatype, TensorData, TypedArray } from '../types.js';
import type { DecodeBudget } from './decode-budget.js';
import type { TensorPlan } from './tensor-plan.js';
import { utf8Length } from './utf8-length.js';
import type { JsonCursor } from './json-cursor.js';

/** How elements are kept (numbers, so the hot path compares small integers). */
const Store = {
  /** Nothing kept: the data is only checked and counted. */
  None: 0,
  /** FP32/FP64: copied from the scratch buffer by `TypedArray.set`. */
  Float: 1,
  /** FP16/BF16: converted to their bits element by element. */
  Half: 2,
  /** 8/16/32-bit integers: range-checked, then copied by `TypedArray.set`. */
  Int: 3,
  /** INT64/UINT64: range-checked, written as two 32-bit words (BigInt only for strings). */
  Int64: 4,
  /** BOOL: JavaScript booleans, as JSON clients' runtimes see them today. */
  Bool: 5,
  /** BYTES: JavaScript strings, as JSON clients' runtimes see them today. */
  Bytes: 6,
} as const;
type Store = (typeof Store)[keyof typeof Store];

const SCRATCH_LENGTH = 4096;
/**
 * Numbers are parsed into this buffer and moved into the target in blocks: the parsing loop
 * stays monomorphic (one Float64Array) whatever the datatype. Decoding is synchronous, so
 * one buffer serves every request.
 */
const scratch = new Float64Array(SCRATCH_LENGTH);
const LITTLE_ENDIAN = endianness() === 'LE';
/** Each datatype's integer range as numbers (unused for other kinds). */
const RANGES = Object.fromEntries(
  Object.entries(DATATYPE_INFO).map(([datatype, info]) => [
    datatype,
    [info.min === undefined ? 0 : Number(info.min), info.max === undefined ? 0 : Number(info.max)],
  ]),
) as Record<Datatype, [number, number]>;
const TWO_32 = 2 ** 32;

/**
 * Receives a tensor's elements in order, as the decoder reads them, and keeps them in the
 * representation runtimes get: numeric datatypes in the typed array of `DATATYPE_INFO`
 * (FP16/BF16 as bits, 64-bit integers exact), BOOL as booleans, BYTES as strings. Problems are
 * reported as validation reports them: a count mismatch first, else the first bad element.
 */
export class TensorSink {
  /** Elements seen so far (also past the declared count, to report the real count). */
  count = 0;
  private readonly store: Store;
  private readonly target: TypedArray | unknown[] | undefined;
  /** Elements that can be kept: the declared count, or 0 when nothing is kept. */
  private readonly capacity: number;
  private pending = 0;
  private flushed = 0;
  private problemAt = -1;
  private problem = '';
  private readonly min: number;
  private readonly max: number;
  private words: Uint32Array | undefined;
  /** Bytes this tensor has reserved in the budget (BYTES: growing element by element). */
  reserved = 0;

  constructor(
    readonly plan: TensorPlan,
    keep: boolean,
    private readonly budget?: DecodeBudget,
  ) {
    const range = RANGES[plan.datatype];
    this.store = keep ? storeOf(plan.datatype) : Store.None;
    this.capacity = keep ? plan.count : 0;
    this.min = range[0];
    this.max = range[1];
    this.target = keep ? allocate(plan) : undefined;
    if (this.store === Store.Int64 && LITTLE_ENDIAN) {
      const array = this.target as BigInt64Array;
      this.words = new Uint32Array(array.buffer, array.byteOffset, array.length * 2);
    }
  }

  /** A number element. */
  number(value: number): void {
    const index = this.count++;
    if (index >= this.capacity) return;
    if (this.store <= Store.Int64) {
      scratch[this.pending++] = value;
      if (this.pending === SCRATCH_LENGTH) this.flush();
    } else {
      this.wrongType(index, value);
    }
  }

  /**
   * A whole flat list of numbers at once (the JSON.parse path): copied by `TypedArray.set` when
   * every element is a number that fits; false, with nothing taken, otherwise (then the caller
   * hands the elements one by one, and the problems are found and reported as usual).
   */
  numberList(list: readonly unknown[]): boolean {
    const n = list.length;
    const store = this.store;
    if ((store !== Store.Float && store !== Store.Int) || this.count !== 0 || n > this.capacity) return false;
    const { min, max } = this;
    for (let i = 0; i < n; i++) {
      const v = list[i];
      if (typeof v !== 'number') return false;
      if (store === Store.Int && !(v >= min && v <= max && Math.floor(v) === v)) return false;
    }
    (this.target as Float32Array).set(list as number[]);
    this.count = n;
    this.flushed = n;
    return true;
  }

  /** A string element at the cursor, read only if the sink keeps or checks it. */
  string(cursor: JsonCursor): void {
    if (this.count >= this.capacity) {
      this.count++;
      cursor.skipString();
      return;
    }
    const value = cursor.readLongString();
    this.stringValue(value, cursor.stringBytes);
  }

  /** A string element; `bytes` is its UTF-8 length (measured here when not given). */
  stringValue(value: string, bytes = -1): void {
    const index = this.count++;
    if (index >= this.capacity) return;
    if (this.store === Store.Bytes) {
      const size = 4 + (bytes < 0 ? utf8Length(value) : bytes);
      this.budget?.reserveMore(this.plan.label, this.reserved, size);
      this.reserved += size;
      (this.target as unknown[]).push(value);
      return;
    }
    const problem = this.problemOf(value);
    if (problem !== undefined) this.note(index, problem);
    if (this.store === Store.Bool) return;
    if (this.store === Store.Int64) {
      if (problem === undefined) (this.target as BigInt64Array)[index] = BigInt(value);
      scratch[this.pending++] = Number.NaN; // NaN: written already, or a problem
    } else {
      scratch[this.pending++] = problem === undefined ? parseFloatWord(value) : Number.NaN;
    }
    if (this.pending === SCRATCH_LENGTH) this.flush();
  }

  /** A `true` or `false` element. */
  bool(value: boolean): void {
    const index = this.count++;
    if (index >= this.capacity) return;
    if (this.store === Store.Bool) (this.target as unknown[]).push(value);
    else this.wrongType(index, value);
  }

  /** A `null` or an object element: never valid, counted for the report. */
  other(value: null | object): void {
    const index = this.count++;
    if (index < this.capacity) this.wrongType(index, value);
  }

  /** Ends the data: the elements in the representation runtimes get, or the first problem. */
  finish(): TensorData {
    this.flush();
    const { plan } = this;
    if (this.count !== plan.count) throw countMismatch(plan.label, plan.shape, plan.count, this.count);
    if (this.problemAt >= 0) {
      throw new InvalidInputError(
        `${plan.label} (${plan.datatype}): element ${this.problemAt} ${this.problem}`,
      );
    }
    if (this.target === undefined) throw new InternalError(`${plan.label}: data was checked but not kept`);
    return this.target as TensorData;
  }

  /** A value of the wrong JSON type: noted, and a placeholder keeps the numeric slots in order. */
  private wrongType(index: number, value: unknown): void {
    const problem = this.problemOf(value);
    this.note(index, problem ?? 'is not valid here');
    if (this.store <= Store.Int64) {
      scratch[this.pending++] = Number.NaN;
      if (this.pending === SCRATCH_LENGTH) this.flush();
    }
  }

  private problemOf(value: unknown): string | undefined {
    const info = DATATYPE_INFO[this.plan.datatype];
    return elementProblem(this.plan.datatype, info.kind, info.min, info.max, value);
  }

  private note(index: number, problem: string): void {
    if (this.problemAt < 0 || index < this.problemAt) {
      this.problemAt = index;
      this.problem = problem;
    }
  }

  /** Moves the scratch buffer's numbers into the target, checking integers. */
  private flush(): void {
    const n = this.pending;
    if (n === 0) return;
    const base = this.flushed;
    this.pending = 0;
    this.flushed += n;
    switch (this.store) {
      case Store.Float:
        (this.target as Float32Array).set(scratch.subarray(0, n), base);
        return;
      case Store.Half: {
        const target = this.target as Uint16Array;
        const convert = this.plan.datatype === 'FP16' ? toFloat16Bits : toBFloat16Bits;
        for (let j = 0; j < n; j++) target[base + j] = convert(scratch[j]!);
        return;
      }
      case Store.Int: {
        const { min, max } = this;
        for (let j = 0; j < n; j++) {
          const v = scratch[j]!;
          if (!(v >= min && v <= max && Math.floor(v) === v) && !Number.isNaN(v))
            this.badInteger(base + j, v);
        }
        (this.target as Int32Array).set(scratch.subarray(0, n), base);
        return;
      }
      case Store.Int64:
        this.flushInt64(base, n);
        return;
      default:
        return;
    }
  }

  private flushInt64(base: number, n: number): void {
    const min = this.plan.datatype === 'UINT64' ? 0 : Number.MIN_SAFE_INTEGER;
    const words = this.words;
    const target = this.target as BigInt64Array;
    for (let j = 0; j < n; j++) {
      const v = scratch[j]!;
      if (Number.isNaN(v)) continue; // written already, or a problem noted
      if (!(v >= min && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) {
        if (this.badInteger(base + j, v)) continue;
      }
      const index = base + j;
      if (words) {
        words[2 * index] = v >>> 0;
        words[2 * index + 1] = Math.floor(v / TWO_32) >>> 0;
      } else {
        target[index] = BigInt(v);
      }
    }
  }

  /** Notes the problem with an integer element; false when validation would accept it after all. */
  private badInteger(index: number, value: number): boolean {
    const problem = this.problemOf(value);
    if (problem === undefined) return false;
    this.note(index, problem);
    return true;
  }
}

/**
 * Reserves a tensor's decoded size in the budget, then opens the sink for its data. `room` is
 * the most elements the data can hold (one per byte left in the body): a shape that claims more
 * is a count mismatch, found without allocating what the shape claims.
 */
export function openSink(plan: TensorPlan, budget: DecodeBudget, room: number): TensorSink {
  const size = plan.count * DATATYPE_INFO[plan.datatype].byteSize;
  budget.reserve(plan.label, plan.datatype, plan.shape, size);
  const sink = new TensorSink(plan, plan.count <= room, budget);
  sink.reserved = size;
  return sink;
}

function storeOf(datatype: Datatype): Store {
  switch (DATATYPE_INFO[datatype].kind) {
    case 'bool':
      return Store.Bool;
    case 'bytes':
      return Store.Bytes;
    case 'float':
      return datatype === 'FP16' || datatype === 'BF16' ? Store.Half : Store.Float;
    default:
      return datatype === 'INT64' || datatype === 'UINT64' ? Store.Int64 : Store.Int;
  }
}

/** The empty target; a typed array the process cannot allocate is a 413, not a crash. */
function allocate(plan: TensorPlan): TypedArray | unknown[] {
  const ctor = DATATYPE_INFO[plan.datatype].array;
  if (plan.datatype === 'BOOL' || !ctor) return [];
  try {
    return new ctor(plan.count);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new PayloadTooLargeError(
      `${plan.label} (${plan.datatype}, shape ${JSON.stringify(plan.shape)}) needs more memory than the server can allocate`,
    );
  }
}
