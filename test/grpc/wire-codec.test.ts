import { describe, expect, it } from '@jest/globals';
import { InvalidInputError } from '../../server/errors.js';
import { decodeInferRequest } from '../../server/grpc/codec/infer-request-decoder.js';
import { encodeInferResponse } from '../../server/grpc/codec/infer-response-encoder.js';
import { requestFromProto } from '../../server/grpc/converters.js';
import { loadProtoLoaderService, loadService } from '../../server/grpc/protos.js';
import { delimited, varint } from './wire-grammar.js';

const protoLoader = loadProtoLoaderService('inference.GRPCInferenceService');
const encodeRequest = protoLoader.ModelInfer!.requestSerialize as (value: unknown) => Buffer;
const decodeResponse = protoLoader.ModelInfer!.responseDeserialize as (
  bytes: Buffer,
) => Record<string, unknown>;

/** `bytes` copied into a fresh buffer at byte `offset` of its memory. */
function at(offset: number, bytes: Buffer): Buffer {
  const memory = Buffer.alloc(bytes.length + offset + 8);
  bytes.copy(memory, offset);
  return memory.subarray(offset, offset + bytes.length);
}

function decode(bytes: Buffer) {
  return requestFromProto(decodeInferRequest(bytes));
}

function inputs(bytes: Buffer) {
  return decode(bytes).body.inputs as { data: unknown }[];
}

describe('the wire codec reading ModelInferRequest', () => {
  const fp32 = encodeRequest({
    model_name: 'm',
    inputs: [{ name: 'x', datatype: 'FP32', shape: ['4'], contents: { fp32_contents: [1.5, -2, 3.25, 0] } }],
  });

  it('views aligned fp32_contents in place and copies unaligned ones', () => {
    const results = [0, 1, 2, 3].map((offset) => {
      const bytes = at(offset, fp32);
      const data = inputs(bytes)[0]!.data as Float32Array;
      expect(data).toBeInstanceOf(Float32Array);
      expect(Array.from(data)).toEqual([1.5, -2, 3.25, 0]);
      return data.buffer === bytes.buffer;
    });
    // Exactly one of four offsets puts the packed floats on a 4-byte boundary.
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('reads 64-bit contents, shapes and parameters exactly, without Long or strings', () => {
    const { body } = decode(
      encodeRequest({
        model_name: 'm',
        parameters: {
          big: { int64_param: '-9007199254740993' },
          small: { int64_param: '-5' },
          huge: { uint64_param: '18446744073709551615' },
        },
        inputs: [
          {
            name: 'a',
            datatype: 'INT64',
            shape: ['3'],
            contents: { int64_contents: ['9223372036854775807', '-9223372036854775808', '9007199254740993'] },
          },
          {
            name: 'b',
            datatype: 'UINT64',
            shape: ['1'],
            contents: { uint64_contents: ['18446744073709551615'] },
          },
        ],
      }),
    );
    const [a, b] = body.inputs as { data: unknown }[];
    expect(a!.data).toEqual(new BigInt64Array([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]));
    expect(b!.data).toEqual(new BigUint64Array([2n ** 64n - 1n]));
    expect(body.parameters).toEqual({ big: -9007199254740993n, small: -5, huge: 2n ** 64n - 1n });
  });

  it('names what is malformed, as an InvalidInputError', () => {
    const cases: [Buffer, RegExp][] = [
      [
        Buffer.from([0x0a, 0x05, 0x61]),
        /^malformed ModelInferRequest: length 5 runs past the end at byte 2$/,
      ],
      [Buffer.from([0x08, 0x01]), /field 1 has wire type 0/],
      [Buffer.from([0x00]), /field number 0/],
      [Buffer.from([0x2a, 0x03, 0x2a, 0x01, 0x32]), /runs past the end/],
      [
        Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        /longer than 10 bytes/,
      ],
      [Buffer.from([0x4f]), /wire type 7/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decode(bytes)).toThrow(InvalidInputError);
      expect(() => decode(bytes)).toThrow(message);
    }
  });

  it('refuses packed contents cut inside an element', () => {
    const contents = delimited(6, Buffer.from([0, 0, 0x80, 0x3f, 0]));
    const tensor = Buffer.concat([delimited(2, Buffer.from('FP32')), delimited(5, contents)]);
    const bytes = Buffer.concat([delimited(1, Buffer.from('m')), delimited(5, tensor)]);
    expect(() => decode(bytes)).toThrow(/malformed ModelInferRequest: packed 4-byte values cut off/);
  });

  it('stops at unknown groups nested too deep instead of recursing without end', () => {
    const bytes = Buffer.concat([
      delimited(1, Buffer.from('m')),
      Buffer.alloc(100_000, varint(9n * 8n + 3n)),
    ]);
    expect(() => decode(bytes)).toThrow(/groups nested too deep/);
  });

  it('sets model_name, model_version and id only when the wire has them (a stream spreads its first name in)', () => {
    const message = decodeInferRequest(encodeRequest({ id: 'r1', inputs: [] }));
    expect(Object.keys(message)).toEqual(['id']);
    expect(() => requestFromProto(message)).toThrow('model_name is required');
    expect(requestFromProto({ model_name: 'first', ...message }).ref).toEqual({
      name: 'first',
      version: undefined,
    });
  });
});

describe('the wire codec writing ModelInferResponse', () => {
  it('writes a lone surrogate as U+FFFD (valid UTF-8; protobufjs would write an invalid sequence)', () => {
    const bytes = encodeInferResponse({
      model_name: 'a\ud800b',
      model_version: '',
      id: '',
      parameters: {},
      outputs: [],
      raw_output_contents: [],
    });
    expect(decodeResponse(bytes).model_name).toBe('a\ufffdb');
  });

  it('copies a Float32Array into fp32_contents in one block', () => {
    const data = new Float32Array([0.1, -7, Number.POSITIVE_INFINITY]);
    const bytes = encodeInferResponse({
      model_name: 'm',
      model_version: '',
      id: '',
      parameters: {},
      outputs: [{ name: 'y', datatype: 'FP32', shape: [3], contents: { fp32_contents: data } }],
      raw_output_contents: [],
    });
    const outputs = decodeResponse(bytes).outputs as { contents: { fp32_contents: number[] } }[];
    expect(outputs[0]!.contents.fp32_contents).toEqual(Array.from(data));
  });
});

describe('the service definitions', () => {
  it('use the codec for the hot methods on the server side only', () => {
    const inference = loadService('inference.GRPCInferenceService');
    const triton = loadService('inference.triton.GRPCInferenceService');
    expect(inference.ModelInfer!.requestDeserialize).toBe(decodeInferRequest);
    expect(inference.ModelInfer!.responseSerialize).toBe(encodeInferResponse);
    expect(inference.ModelStreamInfer!.requestDeserialize).toBe(decodeInferRequest);
    expect(triton.ModelStreamInfer!.requestDeserialize).toBe(decodeInferRequest);
    expect(triton.ModelStreamInfer!.responseSerialize.name).toBe('encodeStreamInferResponse');
    // Clients built from these definitions, and every other method, keep proto-loader's functions.
    expect(inference.ModelInfer!.requestSerialize.name).toBe('serialize');
    expect(inference.ModelInfer!.responseDeserialize.name).toBe('deserialize');
    expect(inference.ModelMetadata!.requestDeserialize.name).toBe('deserialize');
    expect(inference.ModelMetadata!.responseSerialize.name).toBe('serialize');
  });
});

describe('the wire codec guarding its two passes', () => {
  it('fails (INTERNAL for grpc-js) rather than send unwritten bytes when a value changes between passes', () => {
    let calls = 0;
    const shifty = { toString: () => (++calls === 1 ? 'a longer name' : 'short') };
    expect(() =>
      encodeInferResponse({
        model_name: shifty as unknown as string,
        model_version: '',
        id: '',
        parameters: {},
        outputs: [],
        raw_output_contents: [],
      }),
    ).toThrow(/planned \d+ bytes of text, wrote \d+/);
  });
});
