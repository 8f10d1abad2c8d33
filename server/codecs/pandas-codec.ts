import { InvalidInputError } from '../errors.js';
import type { Datatype, RequestInput, ResponseOutput } from '../types.js';
import type { RequestCodec } from './codec.js';
import { elementCount } from './datatypes.js';
import { decodeInputValue } from './request-decoding.js';

/** A table: one array of values per column, all of the same length. */
export type Columns = Record<string, unknown[]>;
/** A table as rows. */
export type Records = Record<string, unknown>[];

/**
 * MLServer's `pd` content type: each input is a column; row `i` takes element `i` of every column
 * (or the `i`-th slice when a column has several elements per row). Decodes to an array of
 * records; `PandasCodec.toColumns` gives the column view. Encodes records or columns, one output
 * per column with its own datatype.
 */
export const PandasCodec: RequestCodec<Records> & {
  decodeColumns(request: { inputs: RequestInput[] }): Columns;
  toColumns(records: Records): Columns;
} = {
  contentType: 'pd',
  decodeRequest(request) {
    const columns = this.decodeColumns(request);
    const names = Object.keys(columns);
    const rows = names.length === 0 ? 0 : columns[names[0]!]!.length;
    return Array.from({ length: rows }, (_, i) => Object.fromEntries(names.map((n) => [n, columns[n]![i]])));
  },
  decodeColumns(request) {
    const columns: Columns = {};
    let rows: number | undefined;
    for (const input of request.inputs) {
      const values = Array.from(decodeInputValue(input) as ArrayLike<unknown>);
      const count = input.shape[0] ?? 1;
      const perRow = count === 0 ? 0 : elementCount(input.shape) / count;
      const column =
        perRow === 1
          ? values
          : Array.from({ length: count }, (_, i) => values.slice(i * perRow, (i + 1) * perRow));
      if (rows !== undefined && column.length !== rows) {
        throw new InvalidInputError(
          `input '${input.name}' (pd): column has ${column.length} rows but the first column has ${rows}`,
        );
      }
      rows = column.length;
      columns[input.name] = column;
    }
    return columns;
  },
  toColumns(records) {
    const columns: Columns = {};
    for (const [i, record] of records.entries()) {
      for (const [key, value] of Object.entries(record)) {
        columns[key] ??= new Array(records.length).fill(null);
        columns[key]![i] = value;
      }
    }
    return columns;
  },
  encodeResponse(payload) {
    const columns = Array.isArray(payload) ? this.toColumns(payload) : (payload as unknown as Columns);
    const outputs = Object.entries(columns).map(([name, values]) => encodeColumn(name, values));
    return { outputs, parameters: { content_type: 'pd' } };
  },
  canEncode: (payload) =>
    Array.isArray(payload) &&
    payload.length > 0 &&
    payload.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r) && !ArrayBuffer.isView(r)),
};

function encodeColumn(name: string, values: unknown[]): ResponseOutput {
  const shape = [values.length, 1];
  const defined = values.filter((v) => v !== null && v !== undefined);
  if (defined.length > 0 && defined.every((v) => typeof v === 'boolean'))
    return { name, shape, datatype: 'BOOL', data: values };
  if (defined.every((v) => typeof v === 'number' || typeof v === 'bigint')) {
    const integers = defined.every((v) => typeof v === 'bigint' || Number.isInteger(v));
    const datatype: Datatype = integers ? 'INT64' : 'FP64';
    return { name, shape, datatype, data: values.map((v) => v ?? (integers ? 0 : Number.NaN)) };
  }
  if (defined.every((v) => v instanceof Date)) {
    return {
      name,
      shape,
      datatype: 'BYTES',
      parameters: { content_type: 'datetime' },
      data: values.map((v) => (v as Date).toISOString()),
    };
  }
  if (defined.every((v) => v instanceof Uint8Array)) return { name, shape, datatype: 'BYTES', data: values };
  return {
    name,
    shape,
    datatype: 'BYTES',
    parameters: { content_type: 'str' },
    data: values.map((v) => (v == null ? '' : String(v))),
  };
}
