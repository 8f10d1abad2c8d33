import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { call, type Harness, startServer } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

type Case = { datatype: string; field: string; values: unknown[]; raw: Buffer };

const le = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
const bytesRaw = (items: Buffer[]) =>
  Buffer.concat(items.flatMap((b) => [le(new Uint32Array([b.byteLength])), b]));

/** One case per datatype with typed contents: the extremes of each range, exact 64-bit values. */
const CASES: Case[] = [
  { datatype: 'BOOL', field: 'bool_contents', values: [true, false, true], raw: Buffer.from([1, 0, 1]) },
  { datatype: 'INT8', field: 'int_contents', values: [-128, 0, 127], raw: le(new Int8Array([-128, 0, 127])) },
  {
    datatype: 'INT16',
    field: 'int_contents',
    values: [-32768, 5, 32767],
    raw: le(new Int16Array([-32768, 5, 32767])),
  },
  {
    datatype: 'INT32',
    field: 'int_contents',
    values: [-2147483648, 7, 2147483647],
    raw: le(new Int32Array([-2147483648, 7, 2147483647])),
  },
  {
    datatype: 'INT64',
    field: 'int64_contents',
    values: ['-9223372036854775808', '42', '9223372036854775807'],
    raw: le(new BigInt64Array([-9223372036854775808n, 42n, 9223372036854775807n])),
  },
  { datatype: 'UINT8', field: 'uint_contents', values: [0, 1, 255], raw: le(new Uint8Array([0, 1, 255])) },
  {
    datatype: 'UINT16',
    field: 'uint_contents',
    values: [0, 65535, 3],
    raw: le(new Uint16Array([0, 65535, 3])),
  },
  {
    datatype: 'UINT32',
    field: 'uint_contents',
    values: [0, 4294967295, 9],
    raw: le(new Uint32Array([0, 4294967295, 9])),
  },
  {
    datatype: 'UINT64',
    field: 'uint64_contents',
    values: ['0', '18446744073709551615', '5'],
    raw: le(new BigUint64Array([0n, 18446744073709551615n, 5n])),
  },
  {
    datatype: 'FP32',
    field: 'fp32_contents',
    values: [1.5, -2.25, 3],
    raw: le(new Float32Array([1.5, -2.25, 3])),
  },
  {
    datatype: 'FP64',
    field: 'fp64_contents',
    values: [Math.PI, -1e300, 0.1],
    raw: le(new Float64Array([Math.PI, -1e300, 0.1])),
  },
  {
    datatype: 'BYTES',
    field: 'bytes_contents',
    values: [Buffer.from('a'), Buffer.from(''), Buffer.from([0xff, 0x00])],
    raw: bytesRaw([Buffer.from('a'), Buffer.from(''), Buffer.from([0xff, 0x00])]),
  },
];

/** Datatypes that have no typed field and travel only raw. */
const RAW_ONLY: Case[] = [
  { datatype: 'FP16', field: '', values: [], raw: le(new Uint16Array([0x3c00, 0xc000, 0x7bff])) },
  { datatype: 'BF16', field: '', values: [], raw: le(new Uint16Array([0x3f80, 0xc000, 0x7f7f])) },
];

type Reply = {
  outputs: { name: string; datatype: string; shape: string[]; contents: Record<string, unknown[]> | null }[];
  raw_output_contents: Buffer[];
};

describe.each([false, true])(
  'ModelInfer round trip (runtime answers with %s ? JSON lists : typed arrays)',
  (asList) => {
    const parameters = { as_list: { bool_param: asList } };

    it.each(CASES)(
      '$datatype in typed contents comes back in typed contents',
      async ({ datatype, field, values }) => {
        const reply = await call<Reply>(h.mlserver, 'ModelInfer', {
          model_name: 'echo',
          parameters,
          inputs: [{ name: 'x', datatype, shape: [3], contents: { [field]: values } }],
        });
        expect(reply.raw_output_contents).toEqual([]);
        expect(reply.outputs).toHaveLength(1);
        expect(reply.outputs[0]).toMatchObject({ name: 'out_x', datatype, shape: ['3'] });
        expect(reply.outputs[0]!.contents![field]).toEqual(values);
      },
    );

    it.each([...CASES, ...RAW_ONLY])(
      '$datatype in raw contents comes back raw',
      async ({ datatype, raw }) => {
        const reply = await call<Reply>(h.mlserver, 'ModelInfer', {
          model_name: 'echo',
          parameters,
          inputs: [{ name: 'x', datatype, shape: [3] }],
          raw_input_contents: [raw],
        });
        expect(reply.outputs[0]).toMatchObject({ name: 'out_x', datatype, shape: ['3'], contents: null });
        expect(reply.raw_output_contents).toEqual([raw]);
      },
    );
  },
);

describe('ModelInfer with several tensors', () => {
  it('keeps raw entries in input order', async () => {
    const a = le(new Float32Array([1, 2]));
    const b = bytesRaw([Buffer.from('hi')]);
    const reply = await call<Reply>(h.mlserver, 'ModelInfer', {
      model_name: 'echo',
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 2] },
        { name: 'b', datatype: 'BYTES', shape: [1] },
      ],
      raw_input_contents: [a, b],
    });
    expect(reply.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['out_a', ['1', '2']],
      ['out_b', ['1']],
    ]);
    expect(reply.raw_output_contents).toEqual([a, b]);
  });
});

describe('ModelInfer with empty tensors and scalars', () => {
  it.each([
    ['an empty tensor', ['2', '0'], [] as number[]],
    ['a scalar', [] as string[], [5]],
  ])('%s round-trips in typed and raw contents', async (_name, shape, values) => {
    const typed = await call<Reply>(h.mlserver, 'ModelInfer', {
      model_name: 'echo',
      inputs: [{ name: 'x', datatype: 'INT32', shape, contents: { int_contents: values } }],
    });
    expect(typed.outputs[0]).toMatchObject({ name: 'out_x', datatype: 'INT32', shape });
    expect(typed.outputs[0]!.contents?.int_contents ?? []).toEqual(values);
    const raw = le(new Int32Array(values));
    const viaRaw = await call<Reply>(h.mlserver, 'ModelInfer', {
      model_name: 'echo',
      inputs: [{ name: 'x', datatype: 'INT32', shape }],
      raw_input_contents: [raw],
    });
    expect(viaRaw.outputs[0]).toMatchObject({ name: 'out_x', datatype: 'INT32', shape });
    expect(viaRaw.raw_output_contents).toEqual([raw]);
  });
});
