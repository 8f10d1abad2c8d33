/**
 * The messages the gRPC codec bench decodes and encodes: `ModelInferRequest`s as proto-loader
 * objects (the bench's own rows send the first two) and, for each, the response the identity
 * runtime gives back.
 */

/** A message kind: the request, and whether its response travels raw. */
export interface MessageKind {
  id: string;
  what: string;
  request: Record<string, unknown>;
  raw: boolean;
}

const le = (array: ArrayBufferView) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

function fp32(name: string, n: number, raw: boolean): Record<string, unknown> {
  const values = range(n, (i) => Math.fround(Math.sin(i) * 100));
  const input = { name: 'INPUT0', datatype: 'FP32', shape: [1, n] };
  return raw
    ? { model_name: name, inputs: [input], raw_input_contents: [le(Float32Array.from(values))] }
    : { model_name: name, inputs: [{ ...input, contents: { fp32_contents: values } }] };
}

/** Every kind, small ones first. */
export const MESSAGE_KINDS: readonly MessageKind[] = [
  {
    id: 'typed-16',
    what: 'FP32[1,16] fp32_contents (the bench rows)',
    request: fp32('identity', 16, false),
    raw: false,
  },
  { id: 'raw-16', what: 'FP32[1,16] raw_input_contents', request: fp32('identity', 16, true), raw: true },
  {
    id: 'text',
    what: 'BYTES[4] prompt + 4 parameters (an LLM-style request)',
    request: {
      model_name: 'stream6',
      id: 'req-7f3a',
      parameters: {
        max_tokens: { int64_param: '256' },
        temperature: { double_param: 0.7 },
        stream: { bool_param: true },
        content_type: { string_param: 'str' },
      },
      inputs: [
        {
          name: 'prompt',
          datatype: 'BYTES',
          shape: [4],
          parameters: { content_type: { string_param: 'str' } },
          contents: {
            bytes_contents: ['What is', 'the capital', 'of France?', 'Answer briefly.'].map((s) =>
              Buffer.from(s),
            ),
          },
        },
      ],
    },
    raw: false,
  },
  {
    id: 'int64-1k',
    what: 'INT64[1024] int64_contents (token ids)',
    request: {
      model_name: 'identity',
      inputs: [
        {
          name: 'ids',
          datatype: 'INT64',
          shape: [1, 1024],
          contents: { int64_contents: range(1024, (i) => (i * 7919) % 50257).map(String) },
        },
      ],
    },
    raw: false,
  },
  {
    id: 'typed-64k',
    what: 'FP32[1,65536] fp32_contents (256 KB)',
    request: fp32('identity', 65536, false),
    raw: false,
  },
  {
    id: 'raw-64k',
    what: 'FP32[1,65536] raw_input_contents (256 KB)',
    request: fp32('identity', 65536, true),
    raw: true,
  },
];
