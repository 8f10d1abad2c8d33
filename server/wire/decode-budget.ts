import { DATATYPE_INFO, elementCount } from '../codecs/datatypes.js';
import { PayloadTooLargeError } from '../errors.js';
import type { Datatype } from '../types.js';
import { utf8Length } from './utf8-length.js';

/** How much tensor data one request may decode to. */
export interface DecodeLimits {
  /** Largest decoded size of one input, in bytes (element count × datatype size). */
  maxInputBytes: number;
  /** Largest decoded size of all inputs of a request together, in bytes. */
  maxRequestBytes: number;
  /** Setting names to cite in 413 messages, so a client or operator knows what to change. */
  inputSetting?: string;
  requestSetting?: string;
}

/**
 * Bytes an input decodes to, from its declared shape: element count × datatype size.
 * BYTES elements have no fixed size; they are counted element by element as read
 * (4 + UTF-8 length each, as Triton's binary framing would carry them).
 */
export function declaredBytes(datatype: Datatype, shape: readonly number[]): number {
  return elementCount(shape) * DATATYPE_INFO[datatype].byteSize;
}

/**
 * The decoded-size account of one request: every input's size is reserved before its data is
 * materialised, against the per-input and the per-request limit; exceeding either is a 413
 * that names the tensor, the size and the limit.
 */
export class DecodeBudget {
  /** Bytes reserved, counted exactly. */
  private exact = 0;
  /** Parsed BYTES lists not counted yet, and a bound of what they hold. */
  private deferred: (() => number)[] = [];
  private deferredBound = 0;

  constructor(readonly limits: DecodeLimits) {}

  /** Bytes reserved by the request so far. */
  get used(): number {
    this.settle();
    return this.exact;
  }

  /** Reserves `bytes` for the input `label` (all of it known from the shape). */
  reserve(label: string, datatype: Datatype, shape: readonly number[], bytes: number): void {
    // Negated so that a NaN size (an absurd shape) is refused too.
    if (!(bytes <= this.limits.maxInputBytes)) {
      throw new PayloadTooLargeError(
        `${describe(label, datatype, shape)} decodes to ${bytes} bytes, over the limit of ${this.limits.maxInputBytes} bytes per input${setting(this.limits.inputSetting)}`,
      );
    }
    this.add(bytes, label, datatype, shape);
  }

  /** Reserves `more` bytes of a BYTES input that has `soFar` bytes already (element by element). */
  reserveMore(label: string, soFar: number, more: number): void {
    if (!(soFar + more <= this.limits.maxInputBytes)) {
      throw new PayloadTooLargeError(
        `${label} (BYTES) decodes to more than ${this.limits.maxInputBytes} bytes, the limit per input${setting(this.limits.inputSetting)}`,
      );
    }
    this.add(more, label, 'BYTES');
  }

  /**
   * Reserves the string elements of a parsed BYTES list (those within the declared count) as a
   * sink does, one by one, after `soFar` bytes. When not even 3 bytes per UTF-16 unit could reach
   * a limit, the exact count waits until a later reservation comes close, if one does: the
   * decisions and messages are the same, the work mostly none.
   */
  reserveStrings(label: string, list: readonly unknown[], count: number, soFar: number): void {
    const end = Math.min(list.length, count);
    let bound = 0;
    for (let i = 0; i < end; i++) {
      const value = list[i];
      if (typeof value === 'string') bound += 4 + 3 * value.length;
    }
    const { maxInputBytes, maxRequestBytes } = this.limits;
    if (soFar + bound <= maxInputBytes && this.exact + this.deferredBound + bound <= maxRequestBytes) {
      this.deferredBound += bound;
      this.deferred.push(() => stringBytes(list, end));
      return;
    }
    this.settle();
    let reserved = soFar;
    for (let i = 0; i < end; i++) {
      const value = list[i];
      if (typeof value !== 'string') continue;
      const bytes = 4 + utf8Length(value);
      this.reserveMore(label, reserved, bytes);
      reserved += bytes;
    }
  }

  /** Gives back what an input reserved (its data was replaced by a later duplicate key). */
  release(bytes: number): void {
    this.exact -= bytes;
  }

  private add(bytes: number, label: string, datatype: Datatype, shape?: readonly number[]): void {
    const max = this.limits.maxRequestBytes;
    if (this.exact + this.deferredBound + bytes <= max) {
      this.exact += bytes;
      return;
    }
    this.settle();
    if (!(this.exact + bytes <= max)) {
      const tensor = shape ? describe(label, datatype, shape) : `${label} (${datatype})`;
      throw new PayloadTooLargeError(
        `${tensor} brings the request's tensors to ${this.exact + bytes} decoded bytes, over the limit of ${max} bytes per request${setting(this.limits.requestSetting)}`,
      );
    }
    this.exact += bytes;
  }

  /** Counts the deferred lists exactly. */
  private settle(): void {
    if (this.deferred.length === 0) return;
    for (const count of this.deferred) this.exact += count();
    this.deferred = [];
    this.deferredBound = 0;
  }
}

function stringBytes(list: readonly unknown[], end: number): number {
  let bytes = 0;
  for (let i = 0; i < end; i++) {
    const value = list[i];
    if (typeof value === 'string') bytes += 4 + utf8Length(value);
  }
  return bytes;
}

function describe(label: string, datatype: Datatype, shape: readonly number[]): string {
  return `${label} (${datatype}, shape ${JSON.stringify(shape)})`;
}

function setting(name: string | undefined): string {
  return name ? ` (setting ${name})` : '';
}
