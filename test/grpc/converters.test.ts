import { describe, expect, it } from '@jest/globals';
import { InternalError, InvalidInputError } from '../../server/errors.js';
import {
  parametersFromProto,
  parametersToProto,
  requestFromProto,
  responseToProto,
} from '../../server/grpc/converters.js';
import { rawToData } from '../../server/grpc/raw-contents.js';

describe('raw contents', () => {
  it('reads a tensor that starts at an unaligned offset by copying it', () => {
    const wire = Buffer.alloc(9);
    new DataView(wire.buffer, wire.byteOffset + 1, 8).setFloat32(0, 1.5, true);
    new DataView(wire.buffer, wire.byteOffset + 1, 8).setFloat32(4, -2, true);
    const data = rawToData("input 'a'", 'FP32', [2], wire.subarray(1));
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data as Float32Array)).toEqual([1.5, -2]);
  });

  it('reads aligned numeric tensors without copying', () => {
    const wire = Buffer.from(new Int32Array([1, 2, 3]).buffer);
    const data = rawToData("input 'a'", 'INT32', [3], wire) as Int32Array;
    expect(data.buffer).toBe(wire.buffer);
  });

  it('names a BYTES element whose length runs past the end', () => {
    const wire = Buffer.from([5, 0, 0, 0, 104, 105]);
    expect(() => rawToData("input 'b'", 'BYTES', [1], wire)).toThrow(
      new InvalidInputError("input 'b': BYTES element 0 declares 5 bytes but only 2 remain"),
    );
  });
});

describe('requests', () => {
  it('gives 64-bit contents to the core as exact bigint arrays', () => {
    const { body } = requestFromProto({
      model_name: 'm',
      inputs: [
        {
          name: 'a',
          datatype: 'INT64',
          shape: ['2'],
          contents: { int64_contents: ['9007199254740993', '-1'] },
        },
      ],
    });
    const data = (body.inputs as { data: BigInt64Array }[])[0]!.data;
    expect(data).toEqual(new BigInt64Array([9007199254740993n, -1n]));
  });

  it('refuses FP16 in typed contents (it only travels raw)', () => {
    expect(() =>
      requestFromProto({
        model_name: 'm',
        inputs: [{ name: 'h', datatype: 'FP16', shape: ['1'], contents: { fp32_contents: [1] } }],
      }),
    ).toThrow("input 'h' (FP16) carries elements in fp32_contents; FP16 travels only in raw_input_contents");
  });
});

describe('responses', () => {
  it('flattens nested JSON lists and writes strings, booleans and bigint', () => {
    const proto = responseToProto(
      {
        outputs: [
          { name: 's', datatype: 'BYTES', shape: [2, 1], data: [['x'], ['yz']] },
          { name: 'b', datatype: 'BOOL', shape: [2], data: [true, 0] },
          { name: 'i', datatype: 'UINT64', shape: [1], data: [18446744073709551615n] },
        ],
      },
      false,
    );
    expect(proto.outputs.map((o) => o.contents)).toEqual([
      { bytes_contents: [Buffer.from('x'), Buffer.from('yz')] },
      { bool_contents: [true, false] },
      { uint64_contents: ['18446744073709551615'] },
    ]);
    expect(proto.raw_output_contents).toEqual([]);
  });

  it('sends every output raw when one is FP16 (raw entries are positional)', () => {
    const proto = responseToProto(
      {
        outputs: [
          { name: 'f', datatype: 'FP32', shape: [1], data: [1] },
          { name: 'h', datatype: 'FP16', shape: [1], data: new Uint16Array([0x3c00]) },
        ],
      },
      false,
    );
    expect(proto.outputs.map((o) => o.contents)).toEqual([null, null]);
    expect(proto.raw_output_contents).toEqual([Buffer.from([0, 0, 0x80, 0x3f]), Buffer.from([0x00, 0x3c])]);
  });

  it('reports a runtime output with an unknown datatype as internal', () => {
    expect(() =>
      responseToProto({ outputs: [{ name: 'x', datatype: 'X' as 'FP32', shape: [1], data: [1] }] }, false),
    ).toThrow(InternalError);
  });
});

describe('parameters', () => {
  it('reads all five choices; 64-bit values beyond 2^53 stay exact', () => {
    expect(
      parametersFromProto({
        a: { parameter_choice: 'bool_param', bool_param: true },
        b: { parameter_choice: 'int64_param', int64_param: '-5' },
        c: { parameter_choice: 'string_param', string_param: 's' },
        d: { parameter_choice: 'double_param', double_param: 0.5 },
        e: { parameter_choice: 'uint64_param', uint64_param: '18446744073709551615' },
      }),
    ).toEqual({ a: true, b: -5, c: 's', d: 0.5, e: 18446744073709551615n });
  });

  it('writes plain values back, objects as JSON strings', () => {
    expect(parametersToProto({ a: true, b: 3, c: 0.25, d: 2n ** 63n, e: { k: 1 }, f: null })).toEqual({
      a: { bool_param: true },
      b: { int64_param: 3 },
      c: { double_param: 0.25 },
      d: { uint64_param: '9223372036854775808' },
      e: { string_param: '{"k":1}' },
    });
  });
});
