import {
  Base64Codec,
  DatetimeCodec,
  decodeRequest,
  encodeResponse,
  type InputCodec,
  PandasCodec,
  registerInputCodec,
  StringCodec,
  TensorCodec,
} from '../server/index.js';
import type { RequestInput } from '../server/types.js';
import { postJson, type RunningServer, startTestServer } from './helpers/test-server.js';

const bytesInput = (name: string, data: unknown[], content_type?: string): RequestInput => ({
  name,
  shape: [data.length],
  datatype: 'BYTES',
  data,
  ...(content_type ? { parameters: { content_type } } : {}),
});

describe('codecs (unit)', () => {
  test('str: strings and raw bytes decode to strings; encode gives BYTES [N, 1]', () => {
    expect(StringCodec.decodeInput(bytesInput('s', ['a', new TextEncoder().encode('é')]))).toEqual([
      'a',
      'é',
    ]);
    expect(StringCodec.encodeOutput('o', ['x', 'y'])).toEqual({
      name: 'o',
      shape: [2, 1],
      datatype: 'BYTES',
      parameters: { content_type: 'str' },
      data: ['x', 'y'],
    });
  });

  test('base64: text to bytes and back; bad base64 is a 400 naming the tensor', () => {
    const decoded = Base64Codec.decodeInput(bytesInput('b', ['AP8Q']));
    expect(decoded).toEqual([new Uint8Array([0x00, 0xff, 0x10])]);
    expect(Base64Codec.encodeOutput('o', decoded).data).toEqual(['AP8Q']);
    expect(() => Base64Codec.decodeInput(bytesInput('b', ['not base64!']))).toThrow(
      "input 'b' (base64): element 0 is not base64 text",
    );
  });

  test('datetime: ISO 8601 to Date and back; a bad date names the element', () => {
    const [date] = DatetimeCodec.decodeInput(bytesInput('d', ['2024-02-29T12:30:00Z']));
    expect(date!.toISOString()).toBe('2024-02-29T12:30:00.000Z');
    expect(DatetimeCodec.encodeOutput('o', [date!]).data).toEqual(['2024-02-29T12:30:00.000Z']);
    expect(() => DatetimeCodec.decodeInput(bytesInput('d', ['yesterday']))).toThrow(
      `input 'd' (datetime): element 0 "yesterday" is not an ISO 8601 date`,
    );
  });

  test('np: numeric tensors to typed arrays (INT64 exact, FP16 as bits)', () => {
    const int64 = TensorCodec.decodeInput({ datatype: 'INT64', data: ['9223372036854775807', 1] });
    expect(int64).toEqual(new BigInt64Array([9223372036854775807n, 1n]));
    expect(TensorCodec.decodeInput({ datatype: 'FP16', data: [1.5] })).toEqual(new Uint16Array([0x3e00]));
    expect(TensorCodec.decodeInput({ datatype: 'BOOL', data: [true, false] })).toEqual(
      new Uint8Array([1, 0]),
    );
  });

  test('pd: columns to records and back, with per-column datatypes', () => {
    const request = {
      inputs: [
        { name: 'age', shape: [3], datatype: 'INT32' as const, data: [30, 41, 25] },
        bytesInput('name', ['ann', 'bob', 'cy'], 'str'),
        { name: 'ok', shape: [3], datatype: 'BOOL' as const, data: [true, false, true] },
      ],
      parameters: { content_type: 'pd' },
    };
    const records = decodeRequest(request) as Record<string, unknown>[];
    expect(records).toEqual([
      { age: 30, name: 'ann', ok: 1 },
      { age: 41, name: 'bob', ok: 0 },
      { age: 25, name: 'cy', ok: 1 },
    ]);
    const response = PandasCodec.encodeResponse([
      { score: 0.5, label: 'a', n: 1 },
      { score: 1.5, label: 'b', n: 2 },
    ]);
    expect(response).toEqual({
      parameters: { content_type: 'pd' },
      outputs: [
        { name: 'score', shape: [2, 1], datatype: 'FP64', data: [0.5, 1.5] },
        {
          name: 'label',
          shape: [2, 1],
          datatype: 'BYTES',
          parameters: { content_type: 'str' },
          data: ['a', 'b'],
        },
        { name: 'n', shape: [2, 1], datatype: 'INT64', data: [1, 2] },
      ],
    });
    expect(PandasCodec.encodeResponse(PandasCodec.toColumns([{ a: true }]) as never)).toEqual({
      parameters: { content_type: 'pd' },
      outputs: [{ name: 'a', shape: [1, 1], datatype: 'BOOL', data: [true] }],
    });
  });

  test('the codec is chosen by the input, then the model metadata, then the payload type', () => {
    const metadata = {
      inputs: [
        { name: 'd', datatype: 'BYTES' as const, shape: [-1], parameters: { content_type: 'datetime' } },
      ],
    };
    const decoded = decodeRequest(
      {
        inputs: [
          bytesInput('s', ['x'], 'str'),
          bytesInput('d', ['2020-01-01T00:00:00Z']),
          bytesInput('raw', ['x']),
          { name: 'n', shape: [2], datatype: 'FP32', data: [1, 2] },
        ],
      },
      { metadata },
    ) as Record<string, unknown>;
    expect(decoded.s).toEqual(['x']);
    expect(decoded.d).toEqual([new Date('2020-01-01T00:00:00Z')]);
    expect(decoded.raw).toEqual([new TextEncoder().encode('x')]);
    expect(decoded.n).toEqual(new Float32Array([1, 2]));
  });

  test('an unknown content type is a 400 listing the known ones', () => {
    expect(() => decodeRequest({ inputs: [bytesInput('x', ['a'], 'yaml')] })).toThrow(
      /input 'x' has unknown content_type 'yaml'; known: .*str.*base64.*datetime/,
    );
  });

  test('a custom codec can be registered, and is preferred when encoding its values', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const PointCodec: InputCodec<Point[]> = {
      contentType: 'point',
      decodeInput: (input) => {
        const flat = Array.from(input.data as ArrayLike<number>);
        return Array.from({ length: flat.length / 2 }, (_, i) => new Point(flat[2 * i]!, flat[2 * i + 1]!));
      },
      encodeOutput: (name, points) => ({
        name,
        shape: [points.length, 2],
        datatype: 'FP64',
        parameters: { content_type: 'point' },
        data: points.flatMap((p) => [p.x, p.y]),
      }),
      canEncode: (v) => Array.isArray(v) && v.length > 0 && v.every((p) => p instanceof Point),
    };
    registerInputCodec(PointCodec);
    const decoded = decodeRequest({
      inputs: [
        {
          name: 'p',
          shape: [2, 2],
          datatype: 'FP64',
          data: [1, 2, 3, 4],
          parameters: { content_type: 'point' },
        },
      ],
    }) as { p: Point[] };
    expect(decoded.p).toEqual([new Point(1, 2), new Point(3, 4)]);
    expect(encodeResponse(decoded).outputs[0]).toEqual({
      name: 'p',
      shape: [2, 2],
      datatype: 'FP64',
      parameters: { content_type: 'point' },
      data: [1, 2, 3, 4],
    });
  });
});

describe('codecs in a runtime, over REST', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  test('decodeRequest / encodeResponse on MLModel: content types from the request and the model metadata', async () => {
    const { status, body } = await postJson(`${running.url}/v2/models/codec-echo/infer`, {
      inputs: [
        bytesInput('text', ['hello'], 'str'),
        bytesInput('blob', ['AQID'], 'base64'),
        bytesInput('when', ['2021-06-01T10:00:00Z']),
        { name: 'x', shape: [2], datatype: 'INT64', data: [1, '9007199254740993'] },
      ],
    });
    expect(status).toBe(200);
    const response = body as { parameters: { seen: string }; outputs: { name: string; data: unknown[] }[] };
    expect(JSON.parse(response.parameters.seen)).toEqual({
      text: 'String[]',
      blob: 'Uint8Array[]',
      when: 'Date[]',
      x: 'BigInt64Array',
    });
    expect(response.outputs.map((o) => [o.name, o.data])).toEqual([
      ['text', ['hello']],
      ['blob', ['\u0001\u0002\u0003']],
      ['when', ['2021-06-01T10:00:00.000Z']],
      ['x', [1, '9007199254740993']],
    ]);
  });

  test('a request-level pd table', async () => {
    const { body } = await postJson(`${running.url}/v2/models/codec-echo/infer`, {
      parameters: { content_type: 'pd' },
      inputs: [
        { name: 'a', shape: [2], datatype: 'FP32', data: [0.5, 1.5] },
        bytesInput('b', ['x', 'y'], 'str'),
      ],
    });
    const response = body as { parameters: Record<string, unknown>; outputs: unknown[] };
    expect(response.parameters).toEqual({ content_type: 'pd', rows: 2 });
    expect(response.outputs).toEqual([
      { name: 'a', shape: [2, 1], datatype: 'FP64', data: [0.5, 1.5] },
      { name: 'b', shape: [2, 1], datatype: 'BYTES', parameters: { content_type: 'str' }, data: ['x', 'y'] },
    ]);
  });
});
