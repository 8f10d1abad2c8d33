import type { Datatype } from '../../server/types.js';
import { bytesElements } from './binary-body.js';

/** One tensor per datatype: JSON values, and the same values as little-endian bytes written by hand. */
export interface DatatypeCase {
  datatype: Datatype;
  shape: number[];
  json: unknown[];
  bytes: Uint8Array;
}

function le(
  size: number,
  values: (number | bigint)[],
  write: (v: DataView, offset: number, value: never) => void,
): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * size));
  for (const [i, value] of values.entries()) write(view, i * size, value as never);
  return new Uint8Array(view.buffer);
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Extreme and ordinary values for every datatype (BYTES with a multi-byte character). */
export const DATATYPE_CASES: DatatypeCase[] = [
  { datatype: 'BOOL', shape: [3], json: [true, false, true], bytes: new Uint8Array([1, 0, 1]) },
  { datatype: 'UINT8', shape: [3], json: [0, 7, 255], bytes: new Uint8Array([0, 7, 255]) },
  { datatype: 'INT8', shape: [3], json: [-128, 0, 127], bytes: new Uint8Array([0x80, 0, 0x7f]) },
  {
    datatype: 'UINT16',
    shape: [2],
    json: [0, 65535],
    bytes: le(2, [0, 65535], (v, o, x) => v.setUint16(o, x, true)),
  },
  {
    datatype: 'INT16',
    shape: [2],
    json: [-32768, 32767],
    bytes: le(2, [-32768, 32767], (v, o, x) => v.setInt16(o, x, true)),
  },
  {
    datatype: 'UINT32',
    shape: [2],
    json: [0, 4294967295],
    bytes: le(4, [0, 4294967295], (v, o, x) => v.setUint32(o, x, true)),
  },
  {
    datatype: 'INT32',
    shape: [2],
    json: [-2147483648, 2147483647],
    bytes: le(4, [-2147483648, 2147483647], (v, o, x) => v.setInt32(o, x, true)),
  },
  {
    datatype: 'UINT64',
    shape: [2],
    json: [3, '18446744073709551615'],
    bytes: le(8, [3n, 18446744073709551615n], (v, o, x) => v.setBigUint64(o, x, true)),
  },
  {
    datatype: 'INT64',
    shape: [3],
    json: ['-9223372036854775808', 42, '9223372036854775807'],
    bytes: le(8, [-9223372036854775808n, 42n, 9223372036854775807n], (v, o, x) => v.setBigInt64(o, x, true)),
  },
  {
    datatype: 'FP16',
    shape: [3],
    json: [1.5, -2, 65504],
    bytes: le(2, [0x3e00, 0xc000, 0x7bff], (v, o, x) => v.setUint16(o, x, true)),
  },
  {
    datatype: 'BF16',
    shape: [2],
    json: [1.5, -2],
    bytes: le(2, [0x3fc0, 0xc000], (v, o, x) => v.setUint16(o, x, true)),
  },
  {
    datatype: 'FP32',
    shape: [2, 2],
    json: [0.5, -1.25, 3.4028234663852886e38, 0],
    bytes: le(4, [0.5, -1.25, 3.4028234663852886e38, 0], (v, o, x) => v.setFloat32(o, x, true)),
  },
  {
    datatype: 'FP64',
    shape: [2],
    json: [Math.PI, -1e300],
    bytes: le(8, [Math.PI, -1e300], (v, o, x) => v.setFloat64(o, x, true)),
  },
  {
    datatype: 'BYTES',
    shape: [2],
    json: ['plain', 'élan ✓'],
    bytes: bytesElements(...['plain', 'élan ✓'].map(utf8)),
  },
];
