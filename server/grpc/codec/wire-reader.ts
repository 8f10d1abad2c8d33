import { InvalidInputError } from '../../errors.js';

/** Protobuf wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const SGROUP = 3;
export const EGROUP = 4;
export const I32 = 5;

/** How deep unknown groups may nest before a message counts as malformed (protobufjs: 100). */
const MAX_GROUP_DEPTH = 100;

/** Buffer's own UTF-8 slice (what protobufjs reads strings with), typed. */
interface NativeBuffer extends Buffer {
  utf8Slice?: (start: number, end: number) => string;
}

/**
 * Reads protobuf wire format from one message's bytes: tags, varints (64-bit ones as two 32-bit
 * halves, never as Long or bigint), length-delimited ranges, and skipping of unknown fields. Every
 * read is bounds-checked against `end`; anything that does not parse throws an
 * `InvalidInputError` ("malformed …"), so garbage becomes INVALID_ARGUMENT, never a crash.
 */
export class WireReader {
  /** Low 32 bits (unsigned) of the last `varint64()`. */
  lo = 0;
  /** High 32 bits (unsigned) of the last `varint64()`. */
  hi = 0;

  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
    private readonly what: string,
  ) {}

  /** An error naming the message and the offset. */
  malformed(reason: string, at = this.pos): InvalidInputError {
    return new InvalidInputError(`malformed ${this.what}: ${reason} at byte ${at}`);
  }

  /** Reads a tag; field number 0 is malformed. */
  tag(): number {
    const tag = this.varint32();
    if (tag >>> 3 === 0) throw this.malformed('field number 0', this.pos - 1);
    return tag;
  }

  /** Reads a varint (up to 10 bytes) and returns its low 32 bits, unsigned. */
  varint32(): number {
    const { buf, end } = this;
    let pos = this.pos;
    // One-byte fast path: tags, lengths and small values.
    if (pos < end) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) throw this.malformed('varint runs past the end', pos);
      const b = buf[pos++]!;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    // Bits 35..63 do not matter to a 32-bit value, but the varint must end within 10 bytes.
    for (let i = 5; i < 10; i++) {
      if (pos >= end) throw this.malformed('varint runs past the end', pos);
      if (buf[pos++]! < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw this.malformed('varint longer than 10 bytes', pos);
  }

  /** Reads a varint of up to 64 bits into `lo` and `hi`. */
  varint64(): void {
    const { buf, end } = this;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw this.malformed('varint runs past the end', pos);
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.done64(pos, lo, 0);
        return;
      }
    }
    if (pos >= end) throw this.malformed('varint runs past the end', pos);
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.done64(pos, lo, hi);
      return;
    }
    for (let shift = 3; shift < 38; shift += 7) {
      if (pos >= end) throw this.malformed('varint runs past the end', pos);
      b = buf[pos++]!;
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.done64(pos, lo, hi);
        return;
      }
    }
    throw this.malformed('varint longer than 10 bytes', pos);
  }

  private done64(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a length prefix and returns where the delimited bytes end (checked against `end`). */
  delimited(): number {
    const length = this.varint32();
    const stop = this.pos + length;
    if (stop > this.end) throw this.malformed(`length ${length} runs past the end`);
    return stop;
  }

  /** Reads a length-delimited string (invalid UTF-8 becomes U+FFFD, as protobufjs reads it). */
  string(): string {
    const stop = this.delimited();
    const start = this.pos;
    this.pos = stop;
    if (start === stop) return '';
    const native = this.buf as NativeBuffer;
    return native.utf8Slice ? native.utf8Slice(start, stop) : native.toString('utf8', start, stop);
  }

  /** Reads length-delimited bytes as a view into the message (no copy). */
  bytes(): Buffer {
    const stop = this.delimited();
    const start = this.pos;
    this.pos = stop;
    return this.buf.subarray(start, stop);
  }

  /** Reads a double. */
  double(): number {
    const at = this.fixed(8);
    return this.buf.readDoubleLE(at);
  }

  /** Moves past `size` bytes of a fixed-width value and returns where it starts. */
  fixed(size: number): number {
    const at = this.pos;
    if (at + size > this.end) throw this.malformed('fixed-width value runs past the end');
    this.pos = at + size;
    return at;
  }

  /** Skips a field of `wireType` (the tag already read), groups included. */
  skip(wireType: number, depth = 0): void {
    switch (wireType) {
      case VARINT:
        this.varint32();
        return;
      case I64:
        this.fixed(8);
        return;
      case LEN:
        this.pos = this.delimited();
        return;
      case I32:
        this.fixed(4);
        return;
      case SGROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw this.malformed('groups nested too deep');
        while (true) {
          if (this.pos >= this.end) throw this.malformed('group not closed');
          const tag = this.tag();
          if ((tag & 7) === EGROUP) return;
          this.skip(tag & 7, depth + 1);
        }
      }
      default:
        throw this.malformed(`wire type ${wireType}`, this.pos - 1);
    }
  }

  /** Throws unless `wireType` is the one field `field` must have. */
  expect(wireType: number, expected: number, field: string | number): void {
    if (wireType !== expected) throw this.malformed(`field ${field} has wire type ${wireType}`);
  }
}
