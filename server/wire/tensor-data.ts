import { InvalidInputError } from '../errors.js';
import type { JsonCursor } from './json-cursor.js';
import type { JsonValueReader } from './json-values.js';
import type { TensorPlan } from './tensor-plan.js';
import type { TensorSink } from './tensor-sink.js';

const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;

/**
 * Reads a tensor's `data` value at the cursor, element by element, into `sink`: nested lists
 * are flattened row-major as they are read (ragged nesting is accepted, as validation always
 * did), nesting deeper than `maxNesting` (the shape's rank, at least 1) is a 400 the moment it
 * is seen, and a scalar stands for a one-element tensor. No recursion: one depth counter.
 */
export function readTensorData(
  cursor: JsonCursor,
  values: JsonValueReader,
  sink: TensorSink,
  maxNesting: number,
): void {
  if (cursor.peek() !== OPEN) {
    readScalarData(cursor, values, sink);
    return;
  }
  cursor.pos++;
  let depth = 1;
  let opened = true;
  for (;;) {
    const c = cursor.peek();
    if (c === OPEN) {
      if (++depth > maxNesting) throw dataTooDeep(sink.plan, depth, maxNesting);
      cursor.pos++;
      opened = true;
      continue;
    }
    if (c === CLOSE && opened) {
      cursor.pos++;
      depth--;
    } else {
      readElement(cursor, values, sink, c);
    }
    opened = false;
    // After a value: ',' starts the next one, ']' closes a list (and may end the data).
    for (;;) {
      if (depth === 0) return;
      const next = cursor.peek();
      if (next === COMMA) {
        cursor.pos++;
        break;
      }
      if (next !== CLOSE) cursor.unexpected("',' or ']' after an array element");
      cursor.pos++;
      depth--;
    }
  }
}

function readElement(cursor: JsonCursor, values: JsonValueReader, sink: TensorSink, c: number): void {
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
    sink.number(cursor.readNumber());
  } else if (c === 0x22) {
    sink.string(cursor);
  } else if (c === 0x7b) {
    values.skip(0);
    sink.other({});
  } else {
    const literal = cursor.readLiteral();
    if (literal === null) sink.other(null);
    else sink.bool(literal);
  }
}

/** `data` that is not a list: one element when the shape holds exactly one, else a 400. */
function readScalarData(cursor: JsonCursor, values: JsonValueReader, sink: TensorSink): void {
  const c = cursor.peek();
  const isNull = c === 0x6e;
  if (sink.plan.count !== 1 || c === 0x7b || isNull) {
    throw new InvalidInputError(`${sink.plan.label}: 'data' must be an array`);
  }
  readElement(cursor, values, sink, c);
}

/** The 400 for tensor data nested deeper than its shape allows. */
export function dataTooDeep(plan: TensorPlan, depth: number, maxNesting: number): InvalidInputError {
  return new InvalidInputError(
    `${plan.label}: 'data' nests lists ${depth} deep but shape ${JSON.stringify(plan.shape)} allows ${maxNesting}`,
  );
}
