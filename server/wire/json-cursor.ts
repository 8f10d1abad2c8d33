import { InvalidInputError } from '../errors.js';
import { decimalQuotient } from './decimal-to-double.js';

/** Powers of ten that doubles hold exactly: the range of the exact fast path for numbers. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Significant digits that a double holds exactly whatever they are. */
const HIGH_DIGITS = 15;
/** Significant digits `decimalQuotient` takes (an integer below 2^64). */
const ALL_DIGITS = 19;

/** Short ASCII strings (keys, datatypes, names) are looked up here rather than decoded again. */
const SHORT_STRING = 24;
const CACHE_SIZE = 1024;
const shortStrings = new Map<number, string>();

/** Buffer's own decoders, which skip `toString`'s argument handling (checked for, not assumed). */
type Native = Buffer & {
  latin1Slice?: (start: number, end: number) => string;
  utf8Slice?: (start: number, end: number) => string;
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;

/**
 * A reading position in a JSON document held as UTF-8 bytes. It reads one token at a time and
 * never turns the whole document into a string: strings are decoded one token at a time and
 * numbers are read from their digits. Every syntax error is a 400 naming the byte position.
 */
export class JsonCursor {
  readonly bytes: Uint8Array;
  /** The same memory as a Buffer, for its decoders. */
  readonly buffer: Buffer;
  readonly end: number;
  pos = 0;
  /** UTF-8 byte length of the string `readString` read last. */
  stringBytes = 0;

  constructor(
    bytes: Uint8Array,
    /** What the document is, for error messages ("request body"). */
    readonly what = 'request body',
  ) {
    this.bytes = bytes;
    this.buffer = asBuffer(bytes);
    this.end = bytes.byteLength;
  }

  /** Skips whitespace and returns the byte there, or -1 at the end of the document. */
  peek(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    while (pos < this.end) {
      const c = bytes[pos]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else {
        this.pos = pos;
        return c;
      }
    }
    this.pos = pos;
    return -1;
  }

  /** Consumes `byte` (after whitespace) or fails saying what was expected. */
  expect(byte: number, expected: string): void {
    if (this.peek() !== byte) this.unexpected(expected);
    this.pos++;
  }

  /** Reads an object key and the colon after it. */
  readKey(): string {
    if (this.peek() !== QUOTE) this.unexpected('a double-quoted property name');
    const key = this.readString();
    this.expect(0x3a, "':' after the property name");
    return key;
  }

  /**
   * Reads the string token at the cursor (which is on its opening quote). Short ASCII strings
   * (keys, datatypes, names) come from a cache; longer ones are decoded by Buffer's decoder.
   */
  readString(): string {
    const bytes = this.bytes;
    const start = this.pos + 1;
    const shortEnd = Math.min(start + SHORT_STRING, this.end);
    let pos = start;
    let ascii = true;
    for (; pos < shortEnd; pos++) {
      const c = bytes[pos]!;
      if (c === QUOTE) {
        this.pos = pos + 1;
        this.stringBytes = pos - start;
        return ascii ? this.shortString(start, pos) : this.utf8(start, pos);
      }
      if (c === BACKSLASH) return this.readEscapedString(start);
      if (c < 0x20) this.fail('bad control character in string literal', pos);
      if (c >= 0x80) ascii = false;
    }
    return this.readLongString(start, pos);
  }

  /**
   * Reads the string token at the cursor without the cache: for tensor elements, which are
   * rarely short or repeated. `from` is where to go on looking (bytes before it were checked).
   */
  readLongString(start = this.pos + 1, from = start): string {
    const bytes = this.bytes;
    const end = this.end;
    let pos = from;
    for (;;) {
      if (pos >= end) this.fail('unterminated string', start - 1);
      const c = bytes[pos]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) return this.readEscapedString(start);
      if (c < 0x20) this.fail('bad control character in string literal', pos);
      pos++;
    }
    this.pos = pos + 1;
    this.stringBytes = pos - start;
    return this.utf8(start, pos);
  }

  private utf8(start: number, end: number): string {
    const buffer = this.buffer as Native;
    return buffer.utf8Slice ? buffer.utf8Slice(start, end) : buffer.toString('utf8', start, end);
  }

  /** A short ASCII string, from the cache when the same bytes were read before. */
  private shortString(start: number, end: number): string {
    const bytes = this.bytes;
    let hash = end - start;
    for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0;
    const cached = shortStrings.get(hash);
    if (cached !== undefined && cached.length === end - start) {
      let same = true;
      for (let i = 0; i < cached.length; i++) {
        if (cached.charCodeAt(i) !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const value = this.latin1(start, end);
    if (shortStrings.size >= CACHE_SIZE) shortStrings.clear();
    shortStrings.set(hash, value);
    return value;
  }

  private latin1(start: number, end: number): string {
    const buffer = this.buffer as Native;
    // Buffer's own latin1Slice skips toString's argument handling; fall back if it ever goes.
    return buffer.latin1Slice ? buffer.latin1Slice(start, end) : buffer.toString('latin1', start, end);
  }

  /** Skips the string token at the cursor, checking it, without decoding it. */
  skipString(): void {
    const end = this.stringEnd(this.pos + 1);
    this.stringBytes = end - this.pos - 1;
    this.pos = end + 1;
  }

  /** A string with escapes: checked here, decoded by JSON.parse on the token alone (its exact rules). */
  private readEscapedString(start: number): string {
    const end = this.stringEnd(start);
    const value = JSON.parse(this.buffer.toString('utf8', start - 1, end + 1)) as string;
    this.pos = end + 1;
    this.stringBytes = Buffer.byteLength(value);
    return value;
  }

  /** Position of the closing quote of the string starting at `start`, checking escapes. */
  private stringEnd(start: number): number {
    const bytes = this.bytes;
    let pos = start;
    for (;;) {
      if (pos >= this.end) this.fail('unterminated string', start - 1);
      const c = bytes[pos]!;
      if (c === QUOTE) return pos;
      if (c < 0x20) this.fail('bad control character in string literal', pos);
      if (c === BACKSLASH) {
        const e = pos + 1 < this.end ? bytes[pos + 1]! : -1;
        if (e === 0x75) {
          for (let i = pos + 2; i < pos + 6; i++) {
            if (i >= this.end || !isHex(bytes[i]!)) this.fail('bad Unicode escape in string', pos);
          }
          pos += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e !== QUOTE &&
          e !== BACKSLASH &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        ) {
          this.fail('bad escaped character in string', pos);
        }
        pos += 2;
        continue;
      }
      pos++;
    }
  }

  /**
   * Reads the number token at the cursor. Up to 15 significant digits with a decimal exponent
   * within ±22 take one correctly rounded operation; up to 19 digits over a power of ten up to
   * 10^22 take `decimalQuotient`; anything else goes through `Number()` on the token, so every
   * value equals what `JSON.parse` gives.
   */
  readNumber(): number {
    const bytes = this.bytes;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let c = bytes[pos]!;
    const negative = c === MINUS;
    if (negative) c = ++pos < end ? bytes[pos]! : -1;
    // Significant digits: the first 15 in `high`, the next 4 in `low`, more only counted.
    let high = 0;
    let low = 0;
    let digits = 0;
    let exponent = 0;
    if (c === ZERO) {
      c = ++pos < end ? bytes[pos]! : -1;
      if (c >= ZERO && c <= NINE) this.fail('leading zero in number', pos);
    } else if (c > ZERO && c <= NINE) {
      do {
        if (digits < HIGH_DIGITS) high = high * 10 + (c - ZERO);
        else if (digits < ALL_DIGITS) low = low * 10 + (c - ZERO);
        else exponent++;
        digits++;
        c = ++pos < end ? bytes[pos]! : -1;
      } while (c >= ZERO && c <= NINE);
    } else {
      this.fail('no digits in number', pos);
    }
    if (c === DOT) {
      c = ++pos < end ? bytes[pos]! : -1;
      if (c < ZERO || c > NINE) this.fail('unterminated fractional number', pos);
      do {
        if (digits < HIGH_DIGITS) {
          high = high * 10 + (c - ZERO);
          exponent--;
          if (high !== 0) digits++;
        } else if (digits < ALL_DIGITS) {
          low = low * 10 + (c - ZERO);
          exponent--;
          digits++;
        } else {
          digits++;
        }
        c = ++pos < end ? bytes[pos]! : -1;
      } while (c >= ZERO && c <= NINE);
    }
    if (c === 0x65 || c === 0x45) {
      c = ++pos < end ? bytes[pos]! : -1;
      const negativeExponent = c === MINUS;
      if (negativeExponent || c === PLUS) c = ++pos < end ? bytes[pos]! : -1;
      if (c < ZERO || c > NINE) this.fail('exponent part is missing a number', pos);
      let e = 0;
      do {
        if (e < 100000) e = e * 10 + (c - ZERO);
        c = ++pos < end ? bytes[pos]! : -1;
      } while (c >= ZERO && c <= NINE);
      exponent += negativeExponent ? -e : e;
    }
    this.pos = pos;
    let value = Number.NaN;
    if (digits <= HIGH_DIGITS) {
      if (exponent >= -22 && exponent <= 22) {
        value = exponent < 0 ? high / POW10[-exponent]! : high * POW10[exponent]!;
      }
    } else if (digits <= ALL_DIGITS && exponent >= -22 && exponent <= 0) {
      value = decimalQuotient(high, low, digits - HIGH_DIGITS, -exponent);
    }
    if (Number.isNaN(value)) return Number(this.latin1(start, pos));
    return negative ? -value : value;
  }

  /** Reads `true`, `false` or `null` at the cursor. */
  readLiteral(): boolean | null {
    const c = this.bytes[this.pos];
    if (c === 0x74 && this.matches('true')) return true;
    if (c === 0x66 && this.matches('false')) return false;
    if (c === 0x6e && this.matches('null')) return null;
    return this.unexpected('a JSON value');
  }

  private matches(word: string): boolean {
    if (this.pos + word.length > this.end) return false;
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.pos + i] !== word.charCodeAt(i)) return false;
    }
    this.pos += word.length;
    return true;
  }

  /** Fails unless only whitespace is left. */
  expectEnd(): void {
    if (this.peek() !== -1) this.unexpected('the end of the document');
  }

  /** Fails with "unexpected <what is here>, expected <expected>". */
  unexpected(expected: string): never {
    const found = this.pos < this.end ? this.bytes[this.pos]! : -1;
    return this.fail(`unexpected ${describeByte(found)}, expected ${expected}`, this.pos);
  }

  /** Throws a 400 naming the problem and where it is (byte offset, line and column). */
  fail(problem: string, at = this.pos): never {
    throw new InvalidInputError(`${this.what} is not valid JSON: ${problem} ${this.where(at)}`);
  }

  /** "at byte N (line L, column C)": the line count is taken only when an error is reported. */
  where(at: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.end; i++) {
      if (this.bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    return `at byte ${at} (line ${line}, column ${at - lineStart + 1})`;
  }
}

/** The bytes as a Buffer: themselves when they are one, else a view (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** All of a Buffer as UTF-8 text, through Buffer's own decoder when it has one. */
export function utf8Text(buffer: Buffer): string {
  const native = buffer as Native;
  return native.utf8Slice ? native.utf8Slice(0, buffer.byteLength) : buffer.toString('utf8');
}

function isHex(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function describeByte(c: number): string {
  if (c === -1) return 'end of input';
  if (c >= 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
