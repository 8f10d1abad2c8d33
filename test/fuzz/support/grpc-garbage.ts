import fc from 'fast-check';
import { encode, MESSAGES } from './grpc-wire.js';
import { type GrpcRequest, grpcRequest, requestInit } from './grpc-requests.js';

/** Bytes that are not what a ModelInferRequest should be: random, damaged encodings, bad tags. */
export const garbage: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .record({
      request: grpcRequest('echo'),
      cut: fc.nat(),
      flip: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
    })
    .map(({ request, cut, flip, byte }) => {
      const bytes = Buffer.from(valid(request));
      if (bytes.length === 0) return Buffer.from([byte]);
      const damaged = Buffer.from(bytes);
      damaged[flip % bytes.length] = byte;
      return cut % 3 === 0 ? damaged : damaged.subarray(0, cut % bytes.length);
    }),
  fc.constantFrom(
    // Field 1 (model_name) with a length far past the message.
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    // A varint cut off.
    Buffer.from([0x08]),
    Buffer.from([0x08, 0xff, 0xff, 0xff]),
    // Group start/end wire types, which proto3 does not have.
    Buffer.from([0x0b, 0x0c]),
    Buffer.from([0x0c]),
    // Wire types 6 and 7 do not exist.
    Buffer.from([0x0e, 0x00]),
    Buffer.from([0x0f, 0x00]),
    // Field number 0.
    Buffer.from([0x00, 0x01]),
    // inputs (field 5) holding a tensor whose shape is a packed varint list cut short.
    Buffer.from([0x2a, 0x04, 0x1a, 0x05, 0x01, 0x02]),
    // A ten-byte varint that overflows 64 bits.
    Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
  ),
);

function valid(request: GrpcRequest): Uint8Array {
  return encode(MESSAGES.request, requestInit(request, []));
}
