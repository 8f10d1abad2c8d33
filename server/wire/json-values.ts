import { InvalidInputError, PayloadTooLargeError } from '../errors.js';
import type { JsonCursor } from './json-cursor.js';

type Container = unknown[] | Record<string, unknown>;

/**
 * Reads the JSON values of a request that are not tensor data (ids, parameters, outputs,
 * unknown fields) exactly as `JSON.parse` builds them, without recursion: containers live on
 * an explicit stack, so nesting is bounded by `maxDepth` (a 400), never by the call stack.
 * The number of values read is bounded by `maxValues` (a 413): outside typed arrays a JSON
 * value costs tens of bytes of heap, so a body cannot blow up into a heap many times its size.
 */
export class JsonValueReader {
  /** Values read so far (every scalar, array and object counts one). */
  count = 0;

  constructor(
    private readonly cursor: JsonCursor,
    readonly maxDepth: number,
    readonly maxValues: number,
  ) {}

  /** Reads the value at the cursor; `depth` is how many containers enclose it. */
  read(depth: number): unknown {
    const cursor = this.cursor;
    const first = cursor.peek();
    if (first !== 0x7b && first !== 0x5b) {
      this.counted();
      return this.scalar(first);
    }
    const stack: Container[] = [];
    const keys: string[] = [];
    let value: unknown;
    for (;;) {
      this.counted();
      const c = cursor.peek();
      if (c === 0x7b || c === 0x5b) {
        this.checkDepth(depth + stack.length + 1);
        cursor.pos++;
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (cursor.peek() === close) {
          cursor.pos++;
          value = c === 0x7b ? {} : [];
        } else {
          stack.push(c === 0x7b ? {} : []);
          keys.push(c === 0x7b ? cursor.readKey() : '');
          continue;
        }
      } else {
        value = this.scalar(c);
      }
      // The value is complete: put it in its container and close every container that ends here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return value;
        if (Array.isArray(top)) {
          top.push(value);
          const next = cursor.peek();
          cursor.pos++;
          if (next === 0x2c) break;
          if (next !== 0x5d) this.unexpectedAfter("',' or ']' after an array element");
        } else {
          setProperty(top, keys[keys.length - 1]!, value);
          const next = cursor.peek();
          cursor.pos++;
          if (next === 0x2c) {
            keys[keys.length - 1] = cursor.readKey();
            break;
          }
          if (next !== 0x7d) this.unexpectedAfter("',' or '}' after a property value");
        }
        value = stack.pop();
        keys.pop();
      }
    }
  }

  /**
   * Checks the value at the cursor and moves past it without building anything (for values
   * that are an error anyway, such as an object where a tensor element belongs).
   */
  skip(depth: number): void {
    const cursor = this.cursor;
    // One byte per open container: '}' or ']' closes it. Bounded by maxDepth.
    const closers = new Uint8Array(Math.max(0, this.maxDepth - depth) + 1);
    let open = 0;
    for (;;) {
      const c = cursor.peek();
      if (c === 0x7b || c === 0x5b) {
        this.checkDepth(depth + open + 1);
        cursor.pos++;
        const close = c === 0x7b ? 0x7d : 0x5d;
        if (cursor.peek() === close) {
          cursor.pos++;
        } else {
          closers[open++] = close;
          if (close === 0x7d) this.skipKey();
          continue;
        }
      } else if (c === 0x22) {
        cursor.skipString();
      } else {
        this.scalar(c);
      }
      for (;;) {
        if (open === 0) return;
        const close = closers[open - 1]!;
        const next = cursor.peek();
        cursor.pos++;
        if (next === 0x2c) {
          if (close === 0x7d) this.skipKey();
          break;
        }
        if (next !== close) {
          this.unexpectedAfter(
            close === 0x7d ? "',' or '}' after a property value" : "',' or ']' after an array element",
          );
        }
        open--;
      }
    }
  }

  /** Counts one more value, failing past `maxValues`. */
  counted(): void {
    if (++this.count > this.maxValues) throw tooManyValues(this.cursor.what, this.maxValues);
  }

  /** Fails when a container would open at `depth`, past the bound. */
  checkDepth(depth: number): void {
    if (depth > this.maxDepth) throw tooDeep(this.cursor.what, depth, this.maxDepth);
  }

  private scalar(c: number): unknown {
    const cursor = this.cursor;
    if (c === 0x22) return cursor.readString();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return cursor.readNumber();
    return cursor.readLiteral();
  }

  private skipKey(): void {
    if (this.cursor.peek() !== 0x22) this.cursor.unexpected('a double-quoted property name');
    this.cursor.skipString();
    this.cursor.expect(0x3a, "':' after the property name");
  }

  private unexpectedAfter(expected: string): never {
    this.cursor.pos--;
    return this.cursor.unexpected(expected);
  }
}

/** Sets a property as JSON.parse does: `__proto__` becomes an own property, never the prototype. */
export function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The 413 for a document with more JSON values outside tensor data than allowed. */
export function tooManyValues(what: string, maxValues: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `${what} holds more than ${maxValues} JSON values outside tensor data (the limit per request)`,
  );
}

/** The 400 for arrays and objects nested past the bound. */
export function tooDeep(what: string, depth: number, maxDepth: number): InvalidInputError {
  return new InvalidInputError(`${what} nests arrays and objects ${depth} deep; the limit is ${maxDepth}`);
}
