import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidInputError } from '../../server/errors.js';
import { decodeInferRequest } from '../../server/grpc/codec/infer-request-decoder.js';
import {
  encodeInferResponse,
  encodeStreamInferResponse,
} from '../../server/grpc/codec/infer-response-encoder.js';
import { requestFromProto, responseToProto } from '../../server/grpc/converters.js';
import type { ProtoInferRequest, ProtoInferResponse } from '../../server/grpc/proto-types.js';
import { loadProtoLoaderService } from '../../server/grpc/protos.js';
import { int64String } from '../../server/grpc/tensor-data.js';
import type { InferenceResponse, TensorData } from '../../server/types.js';
import { DATATYPES } from '../../server/types.js';
import { inferRequest, inferResponse, streamInferResponse } from './wire-arbitraries.js';
import { wireRequest } from './wire-grammar.js';

/**
 * The wire codec against proto-loader + protobufjs (what the server used before, and still uses
 * for every other RPC): for any valid message both give the core the same request (same typed
 * arrays, same values, same errors with the same text) and write the same bytes; for any bytes
 * at all the codec answers with a body or an InvalidInputError, never anything else.
 */

const inference = loadProtoLoaderService('inference.GRPCInferenceService');
const triton = loadProtoLoaderService('inference.triton.GRPCInferenceService');
const protobufjs = {
  encodeRequest: inference.ModelInfer!.requestSerialize as (value: unknown) => Buffer,
  decodeRequest: inference.ModelInfer!.requestDeserialize as (bytes: Buffer) => ProtoInferRequest,
  encodeResponse: inference.ModelInfer!.responseSerialize as (value: unknown) => Buffer,
  encodeStreamResponse: triton.ModelStreamInfer!.responseSerialize as (value: unknown) => Buffer,
};

type Outcome = { ok: unknown } | { error: unknown };

function outcome(fn: () => unknown): Outcome {
  try {
    return { ok: fn() };
  } catch (error) {
    return { error };
  }
}

/** Decodes through both paths: the direct call, and the MLServer stream's `{ model_name, ...message }`. */
function bothWays(decode: (bytes: Buffer) => ProtoInferRequest, bytes: Buffer) {
  const decoded = outcome(() => decode(bytes));
  if ('error' in decoded) return { decoded, direct: decoded, spread: decoded };
  const message = decoded.ok as ProtoInferRequest;
  return {
    decoded,
    direct: outcome(() => requestFromProto(message)),
    spread: outcome(() => requestFromProto({ model_name: 'first', ...message })),
  };
}

function expectSame(actual: Outcome, expected: Outcome): void {
  if ('error' in expected) {
    expect('error' in actual ? actual.error : actual.ok).toBeInstanceOf(
      (expected.error as Error).constructor,
    );
    expect((actual as { error: Error }).error.message).toBe((expected.error as Error).message);
  } else {
    const value = 'ok' in actual ? actual.ok : actual.error;
    // isDeepStrictEqual first: jest compares `.constructor`, which a parameter may be named (NaN !== NaN);
    // jest then, for its diff and for NaNs of different payloads in float arrays.
    if (!isDeepStrictEqual(value, expected.ok)) expect(value).toStrictEqual(expected.ok);
  }
}

/** Counts how the old path took the generated messages, so the generators are seen to reach every branch. */
const seen = { decoded: 0, rejected: 0, crashed: 0 };

/** The codec reads `bytes` as protobufjs does (or, where protobufjs crashes, answers INVALID_ARGUMENT or a body). */
function expectDecodedAsProtobufjs(bytes: Buffer): void {
  const old = bothWays(protobufjs.decodeRequest, bytes);
  const now = bothWays(decodeInferRequest, bytes);
  expect('ok' in now.decoded).toBe(true);
  if ('error' in old.decoded) {
    // protobufjs could not read it (grpc-js answered INTERNAL): the codec must not crash either.
    seen.crashed++;
    expectCleanOutcome(now.direct);
    return;
  }
  if ('error' in old.direct) seen.rejected++;
  else seen.decoded++;
  expectSame(now.direct, old.direct);
  expectSame(now.spread, old.spread);
}

function expectCleanOutcome(result: Outcome): void {
  if ('error' in result) expect(result.error).toBeInstanceOf(InvalidInputError);
}

describe('decoding ModelInferRequest', () => {
  it('gives the core what proto-loader + requestFromProto give, for messages protobufjs writes', () => {
    Object.assign(seen, { decoded: 0, rejected: 0, crashed: 0 });
    fc.assert(
      fc.property(inferRequest, (message) => expectDecodedAsProtobufjs(protobufjs.encodeRequest(message))),
      { numRuns: 3000 },
    );
    // Both the accepted and the refused paths were exercised.
    expect(seen.decoded).toBeGreaterThan(300);
    expect(seen.rejected).toBeGreaterThan(300);
    expect(seen.crashed).toBe(0);
  });

  it('reads unpacked, split, repeated, reordered and unknown fields as protobufjs does', () => {
    Object.assign(seen, { decoded: 0, rejected: 0, crashed: 0 });
    fc.assert(fc.property(wireRequest, expectDecodedAsProtobufjs), { numRuns: 3000 });
    expect(seen.decoded).toBeGreaterThan(100);
    expect(seen.rejected).toBeGreaterThan(100);
  });

  it('answers any bytes with a body or an InvalidInputError, never a crash', () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Valid messages with bytes flipped, cut short or spliced.
      fc
        .tuple(
          wireRequest,
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
          fc.nat(),
        )
        .map(([bytes, flips, cut]) => {
          const out = Buffer.from(bytes);
          for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
          return out.length > 0 ? out.subarray(0, cut % (out.length + 1)) : out;
        }),
    );
    fc.assert(
      fc.property(garbage, (bytes) => {
        const message = decodeInferRequest(Buffer.from(bytes));
        expectCleanOutcome(outcome(() => requestFromProto(message)));
        expectCleanOutcome(outcome(() => requestFromProto({ model_name: 'm', ...message })));
      }),
      { numRuns: 5000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

/** What the converters wrote before typed arrays were handed on: lists, converted per element. */
function asLists(response: ProtoInferResponse): ProtoInferResponse {
  return {
    ...response,
    outputs: response.outputs.map((output) => {
      const contents = output.contents;
      if (!contents) return output;
      const lists = Object.fromEntries(
        Object.entries(contents).map(([field, values]) => {
          if (values instanceof BigInt64Array || values instanceof BigUint64Array)
            return [field, Array.from(values, int64String)];
          if (ArrayBuffer.isView(values))
            return [field, Array.from(values as unknown as ArrayLike<number>, Number)];
          return [field, values];
        }),
      );
      return { ...output, contents: lists };
    }),
  };
}

const TYPED: Record<string, (n: number[]) => TensorData> = {
  INT8: (n) => Int8Array.from(n),
  INT16: (n) => Int16Array.from(n),
  INT32: (n) => Int32Array.from(n),
  INT64: (n) => BigInt64Array.from(n, (v) => BigInt(Math.trunc(v)) * 2n ** 40n),
  UINT8: (n) => Uint8Array.from(n),
  UINT16: (n) => Uint16Array.from(n),
  UINT32: (n) => Uint32Array.from(n),
  UINT64: (n) => BigUint64Array.from(n, (v) => BigInt(Math.abs(Math.trunc(v))) * 2n ** 45n),
  FP32: (n) => Float32Array.from(n),
  FP64: (n) => Float64Array.from(n),
};

/** A runtime's response: typed arrays (of the datatype, or another one) and lists. */
const coreResponse = fc
  .array(
    fc.tuple(
      fc.constantFrom(...DATATYPES.filter((dt) => dt !== 'FP16' && dt !== 'BF16')),
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 5 }),
      fc.constantFrom('same', 'float64', 'list'),
    ),
    { maxLength: 3 },
  )
  .map((outputs) => ({
    model_name: 'm',
    outputs: outputs.map(([datatype, numbers, kind], i) => {
      let data: TensorData = numbers;
      if (datatype === 'BOOL') data = numbers.map((n) => n > 0);
      else if (datatype === 'BYTES') data = numbers.map(String);
      else if (kind === 'same') data = TYPED[datatype]!(numbers);
      else if (kind === 'float64' && datatype !== 'INT64' && datatype !== 'UINT64')
        data = Float64Array.from(numbers);
      else if (datatype === 'INT64' || datatype === 'UINT64')
        data = numbers.map((n) => BigInt(Math.abs(Math.trunc(n))));
      return { name: `o${i}`, datatype, shape: [numbers.length], data };
    }),
  })) as fc.Arbitrary<InferenceResponse>;

describe('encoding ModelInferResponse and ModelStreamInferResponse', () => {
  it('writes the bytes protobufjs writes for the same object', () => {
    fc.assert(
      fc.property(inferResponse, (response) => {
        const expected = protobufjs.encodeResponse(response);
        expect(encodeInferResponse(response as ProtoInferResponse).equals(expected)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("writes Triton's stream responses as protobufjs does", () => {
    fc.assert(
      fc.property(streamInferResponse, (message) => {
        const expected = protobufjs.encodeStreamResponse(message);
        expect(encodeStreamInferResponse(message as never).equals(expected)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('writes typed arrays handed on by the converters as the lists they used to build', () => {
    fc.assert(
      fc.property(coreResponse, fc.boolean(), (response, raw) => {
        const proto = responseToProto(response, raw);
        const expected = protobufjs.encodeResponse(asLists(proto));
        expect(encodeInferResponse(proto).equals(expected)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
