import { DATATYPE_INFO, elementCount } from '../codecs/datatypes.js';
import { PayloadTooLargeError } from '../errors.js';
import type { Datatype } from '../types.js';

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
  /** Bytes reserved by the request so far. */
  used = 0;

  constructor(readonly limits: DecodeLimits) {}

  /** Reserves `bytes` for the input `label` (all of it known from the shape). */
  reserve(label: string, datatype: Datatype, shape: readonly number[], bytes: number): void {
    // Negated so that a NaN size (an absurd shape) is refused too.
    if (!(bytes <= this.limits.maxInputBytes)) {
      throw new PayloadTooLargeError(
        `${describe(label, datatype, shape)} decodes to ${bytes} bytes, over the limit of ${this.limits.maxInputBytes} bytes per input${setting(this.limits.inputSetting)}`,
      );
    }
    this.add(bytes, () => describe(label, datatype, shape));
  }

  /** Reserves `more` bytes of a BYTES input that has `soFar` bytes already (element by element). */
  reserveMore(label: string, soFar: number, more: number): void {
    if (!(soFar + more <= this.limits.maxInputBytes)) {
      throw new PayloadTooLargeError(
        `${label} (BYTES) decodes to more than ${this.limits.maxInputBytes} bytes, the limit per input${setting(this.limits.inputSetting)}`,
      );
    }
    this.add(more, () => `${label} (BYTES)`);
  }

  /** Gives back what an input reserved (its data was replaced by a later duplicate key). */
  release(bytes: number): void {
    this.used -= bytes;
  }

  private add(bytes: number, tensor: () => string): void {
    if (!(this.used + bytes <= this.limits.maxRequestBytes)) {
      throw new PayloadTooLargeError(
        `${tensor()} brings the request's tensors to ${this.used + bytes} decoded bytes, over the limit of ${this.limits.maxRequestBytes} bytes per request${setting(this.limits.requestSetting)}`,
      );
    }
    this.used += bytes;
  }
}

function describe(label: string, datatype: Datatype, shape: readonly number[]): string {
  return `${label} (${datatype}, shape ${JSON.stringify(shape)})`;
}

function setting(name: string | undefined): string {
  return name ? ` (setting ${name})` : '';
}
