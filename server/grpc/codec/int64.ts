/**
 * 64-bit integers as two 32-bit halves (`lo`, `hi`, both unsigned), the way the wire codec
 * reads and writes them: no Long objects and no decimal strings on the way.
 */

const TWO_32 = 4294967296;
const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;
/** 2^21: the high half of a safe integer (|v| ≤ 2^53 − 1) stays below it. */
const SAFE_HIGH = 2097152;

/** A signed 64-bit value as the core takes it: a number when exact (|v| ≤ 2^53 − 1), else a bigint. */
export function int64Value(lo: number, hi: number): number | bigint {
  const high = hi | 0;
  if (high >= -SAFE_HIGH && high < SAFE_HIGH && !(high === -SAFE_HIGH && lo === 0)) {
    return high * TWO_32 + lo;
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** An unsigned 64-bit value: a number when ≤ 2^53 − 1, else a bigint. */
export function uint64Value(lo: number, hi: number): number | bigint {
  if (hi < SAFE_HIGH) return hi * TWO_32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * A signed 64-bit value as the nearest double (what `Number(decimalString)` gives): the product
 * is exact and the sum rounds once.
 */
export function int64Number(lo: number, hi: number): number {
  return (hi | 0) * TWO_32 + lo;
}

/** Output of the `*Bits` functions: the halves of the last value converted. */
export const bits = { lo: 0, hi: 0 };

/**
 * The bits protobufjs writes for a number in a 64-bit field (`Long.fromValue(value, unsigned)`):
 * NaN is 0, fractions are truncated, values beyond the field's range saturate (an unsigned field
 * takes a negative number as 0).
 */
export function numberBits(value: number, unsigned: boolean): void {
  if (Number.isNaN(value)) {
    set(0, 0);
    return;
  }
  if (unsigned) {
    if (value < 0) {
      set(0, 0);
      return;
    }
    if (value >= TWO_64) {
      set(0xffffffff, 0xffffffff);
      return;
    }
  } else if (value <= -TWO_63) {
    set(0, 0x80000000);
    return;
  } else if (value + 1 >= TWO_63) {
    set(0xffffffff, 0x7fffffff);
    return;
  }
  const negative = value < 0;
  const magnitude = Math.trunc(negative ? -value : value);
  let lo = (magnitude % TWO_32) >>> 0;
  let hi = (magnitude / TWO_32) >>> 0;
  if (negative) {
    // Two's complement of (hi, lo).
    lo = ~lo >>> 0;
    hi = ~hi >>> 0;
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  }
  set(lo, hi);
}

/** The bits of a bigint, modulo 2^64. */
export function bigintBits(value: bigint): void {
  const wrapped = BigInt.asUintN(64, value);
  set(Number(wrapped & 0xffffffffn), Number(wrapped >> 32n));
}

/**
 * The bits protobufjs writes for a decimal string in a 64-bit field (`Long.fromString`: the
 * value modulo 2^64). Only plain decimals are taken (the converters write nothing else).
 */
export function stringBits(value: string): void {
  if (!/^-?\d+$/.test(value)) throw new TypeError(`not a decimal 64-bit integer: ${JSON.stringify(value)}`);
  bigintBits(BigInt(value));
}

/** The bits of any value a converter puts in a 64-bit field (`unsigned` for uint64 fields). */
export function valueBits(value: unknown, unsigned: boolean): void {
  if (typeof value === 'number') numberBits(value, unsigned);
  else if (typeof value === 'string') stringBits(value);
  else if (typeof value === 'bigint') bigintBits(value);
  else throw new TypeError(`not a 64-bit integer: ${String(value)}`);
}

function set(lo: number, hi: number): void {
  bits.lo = lo;
  bits.hi = hi;
}
