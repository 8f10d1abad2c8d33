/**
 * Protobuf wire-format writing in two passes: a sizing pass records every length-delimited
 * field's length in a `Plan` (in the order they will be written), then one `Buffer` of the exact
 * size is filled front to back. No chunk lists, no fork/ldelim, no copies besides the payload's.
 */

/** Lengths (and 64-bit halves) computed by the sizing pass, consumed in the same order by the writer. */
export class Plan {
  /** Lengths of length-delimited fields, in write order. */
  readonly lengths: number[] = [];
  /** Low/high halves of 64-bit elements converted while sizing, in write order. */
  readonly halves: Uint32Array[] = [];

  /** Records a length and returns the bytes of its prefix plus the payload. */
  delimited(length: number): number {
    this.lengths.push(length);
    return varint32Size(length) + length;
  }

  /** Reserves a length to fill in once the nested message is sized; returns its slot. */
  reserve(): number {
    this.lengths.push(0);
    return this.lengths.length - 1;
  }

  /** Fills a reserved slot; returns the bytes of the prefix plus the payload. */
  fill(slot: number, length: number): number {
    this.lengths[slot] = length;
    return varint32Size(length) + length;
  }
}

/** Bytes of an unsigned 32-bit varint. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Bytes of a 64-bit varint given as unsigned halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  if (hi < 0x8) return 5;
  if (hi < 0x400) return 6;
  if (hi < 0x20000) return 7;
  if (hi < 0x1000000) return 8;
  if (hi < 0x80000000) return 9;
  return 10;
}

/** Bytes of an int32 varint (negative values take 10, sign-extended). */
export function int32Size(value: number): number {
  return value < 0 ? 10 : varint32Size(value);
}

/** UTF-8 bytes of a string (lone surrogates count as U+FFFD, as Buffer writes them). */
export function utf8Size(text: string): number {
  const length = text.length;
  if (length < 32) {
    let i = 0;
    while (i < length && text.charCodeAt(i) < 0x80) i++;
    if (i === length) return length;
  }
  return Buffer.byteLength(text, 'utf8');
}

/** Buffer's own UTF-8 write, typed. */
interface NativeBuffer extends Buffer {
  utf8Write?: (text: string, offset: number, length: number) => number;
}

/** Fills a buffer of the planned size. */
export class WireWriter {
  readonly buf: Buffer;
  readonly view: DataView;
  pos = 0;
  private next = 0;
  private nextHalves = 0;

  constructor(
    size: number,
    private readonly plan: Plan,
  ) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, size);
  }

  /**
   * The message, once every planned byte is written. A value that changed between the passes
   * (a getter, a `toString`) fails here rather than send unwritten memory.
   */
  finish(): Buffer {
    if (this.pos !== this.buf.length) {
      throw new Error(`wire codec: planned ${this.buf.length} bytes, wrote ${this.pos}`);
    }
    return this.buf;
  }

  /** The next planned length, written as a prefix. */
  length(): number {
    const length = this.plan.lengths[this.next++]!;
    this.varint32(length);
    return length;
  }

  /** The next planned 64-bit halves. */
  halves(): Uint32Array {
    return this.plan.halves[this.nextHalves++]!;
  }

  /** A one-byte tag (every field this codec writes has a number below 16). */
  tag(tag: number): void {
    this.buf[this.pos++] = tag;
  }

  varint32(value: number): void {
    const { buf } = this;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.varint32(lo);
      return;
    }
    const { buf } = this;
    let pos = this.pos;
    // 28 bits of lo, then lo's last 4 bits with hi's first 3, then the rest of hi.
    for (let i = 0; i < 4; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    let high = hi;
    let b = lo | ((high & 0x7) << 4);
    high >>>= 3;
    while (high > 0) {
      buf[pos++] = b | 0x80;
      b = high & 0x7f;
      high >>>= 7;
    }
    buf[pos++] = b;
    this.pos = pos;
  }

  int32(value: number): void {
    if (value < 0) this.varint64(value >>> 0, 0xffffffff);
    else this.varint32(value);
  }

  /** A string of `length` UTF-8 bytes (already in the plan). */
  string(text: string, length: number): void {
    const { buf } = this;
    if (length === text.length && length < 32) {
      for (let i = 0; i < length; i++) buf[this.pos + i] = text.charCodeAt(i);
    } else {
      const native = buf as NativeBuffer;
      const written = native.utf8Write
        ? native.utf8Write(text, this.pos, length)
        : buf.write(text, this.pos, length, 'utf8');
      if (written !== length)
        throw new Error(`wire codec: planned ${length} bytes of text, wrote ${written}`);
    }
    this.pos += length;
  }

  bytes(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  float(value: number): void {
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  double(value: number): void {
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }
}
