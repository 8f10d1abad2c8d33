import type { Parameters } from '../../types.js';
import { int64Value, uint64Value } from './int64.js';
import { I64, LEN, VARINT, type WireReader } from './wire-reader.js';

/**
 * Reads one `map<string, InferParameter>` entry (the reader positioned on its bytes, `stop` its
 * end) into `target`, as the proto-loader path did: the value of the `parameter_choice` member
 * (64-bit integers beyond 2^53 as bigint), `undefined` for an entry without one. When several
 * members are on the wire, the highest-numbered wins (protobufjs' `toObject` order); a repeated
 * key keeps its first position and takes the last value.
 */
export function readParameterEntry(reader: WireReader, stop: number, target: Parameters): void {
  let key = '';
  let value: unknown;
  const saved = reader.end;
  reader.end = stop;
  while (reader.pos < stop) {
    const tag = reader.tag();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1) {
      reader.expect(wireType, LEN, 'parameters key');
      key = reader.string();
    } else if (field === 2) {
      reader.expect(wireType, LEN, 'parameters value');
      const end = reader.delimited();
      value = readParameter(reader, end);
    } else {
      reader.skip(wireType);
    }
  }
  reader.end = saved;
  if (key === '__proto__') {
    // An own property, as protobufjs makes it (never the object's prototype).
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  } else {
    target[key] = value;
  }
}

/** Reads an `InferParameter` message up to `stop`. */
function readParameter(reader: WireReader, stop: number): unknown {
  // The last value seen of each member, and the highest member seen.
  let choice = 0;
  let boolValue = false;
  let int64: number | bigint = 0;
  let text = '';
  let double = 0;
  let uint64: number | bigint = 0;
  const saved = reader.end;
  reader.end = stop;
  while (reader.pos < stop) {
    const tag = reader.tag();
    const field = tag >>> 3;
    const wireType = tag & 7;
    switch (field) {
      case 1:
        reader.expect(wireType, VARINT, 'bool_param');
        reader.varint64();
        boolValue = (reader.lo | reader.hi) !== 0;
        break;
      case 2:
        reader.expect(wireType, VARINT, 'int64_param');
        reader.varint64();
        int64 = int64Value(reader.lo, reader.hi);
        break;
      case 3:
        reader.expect(wireType, LEN, 'string_param');
        text = reader.string();
        break;
      case 4:
        reader.expect(wireType, I64, 'double_param');
        double = reader.double();
        break;
      case 5:
        reader.expect(wireType, VARINT, 'uint64_param');
        reader.varint64();
        uint64 = uint64Value(reader.lo, reader.hi);
        break;
      default:
        reader.skip(wireType);
        continue;
    }
    if (field > choice) choice = field;
  }
  reader.end = saved;
  switch (choice) {
    case 1:
      return boolValue;
    case 2:
      return int64;
    case 3:
      return text;
    case 4:
      return double;
    case 5:
      return uint64;
    default:
      return undefined;
  }
}
