/**
 * Correctly rounded decimal → double for the numbers JSON tensors are full of: up to 19
 * significant digits over a power of ten up to 10^22 (`0.30000001192092896`, what numpy writes
 * for float32 data). Plain double arithmetic, exact by construction (error-free products and a
 * remainder), so the result equals what `Number()` and `JSON.parse` give; anything else is left
 * to them (NaN here).
 */

/** Powers of ten that doubles hold exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's split
const TWO_53 = 2 ** 53;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
/** Which word of a double holds its low 32 bits. */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

let productLow = 0;

/** a × b as a double, with the exact rounding error left in `productLow` (Dekker's product). */
function product(a: number, b: number): number {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  productLow = ah * bh - p + ah * bl + al * bh + al * bl;
  return p;
}

/** The double next to a positive, normal `value`, above (`step` 1) or below (`step` -1). */
function neighbour(value: number, step: 1 | -1): number {
  bits[0] = value;
  const low = words[LOW]! + step;
  if (low === 0x100000000) {
    words[LOW] = 0;
    words[1 - LOW]!++;
  } else if (low === -1) {
    words[LOW] = 0xffffffff;
    words[1 - LOW]!--;
  } else {
    words[LOW] = low;
  }
  return bits[0]!;
}

/**
 * The double nearest to (`high` × 10^`lowDigits` + `low`) / 10^`scale` — `high` the first 15
 * significant digits, `low` the next `lowDigits` (1…4) — or NaN when this function cannot
 * vouch for the rounding (then the caller asks `Number()`). `scale` is 0…22.
 */
export function decimalQuotient(high: number, low: number, lowDigits: number, scale: number): number {
  // The integer M = high × 10^lowDigits + low (< 10^19 < 2^64) as an exact sum m + mLow.
  const p = product(high, POW10[lowDigits]!);
  const pLow = productLow;
  const s = p + low;
  const sLow = low - (s - p); // Fast2Sum: p ≥ 10^15 > low
  const small = pLow + sLow; // two small integers: exact
  const m = s + small;
  const mLow = small - (m - s);
  const divisor = POW10[scale]!;
  if (mLow === 0 && m <= TWO_53) return m / divisor; // Clinger's fast path
  const q = m / divisor;
  if (!(q > 1e-300 && q < 1e300)) return Number.NaN;
  // The quotient is within 1.5 steps of the true value: it, or its neighbour towards it.
  const remainder = exactRemainder(m, mLow, q, divisor);
  if (remainder === 0 || nearest(q, remainder, divisor)) return q;
  const next = neighbour(q, remainder > 0 ? 1 : -1);
  return nearest(next, exactRemainder(m, mLow, next, divisor), divisor) ? next : Number.NaN;
}

/**
 * M − candidate × divisor, exactly: every term is a multiple of one small power of two and the
 * result needs fewer than 53 bits of it (the divisor is 2^k·5^k with 5^k < 2^52).
 */
function exactRemainder(m: number, mLow: number, candidate: number, divisor: number): number {
  const t = product(candidate, divisor);
  return m - t - productLow + mLow;
}

/** Whether `candidate` is the double nearest to candidate + remainder / divisor (ties to even). */
function nearest(candidate: number, remainder: number, divisor: number): boolean {
  if (remainder === 0) return true;
  const gap = Math.abs(neighbour(candidate, remainder > 0 ? 1 : -1) - candidate);
  const twice = 2 * Math.abs(remainder);
  const half = gap * divisor; // a power of two times an exact integer: exact
  if (twice !== half) return twice < half;
  bits[0] = candidate;
  return (words[LOW]! & 1) === 0;
}
