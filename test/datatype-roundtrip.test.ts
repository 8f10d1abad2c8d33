import { binaryBody, postBinary, readBinaryResponse } from './helpers/binary-body.js';
import { DATATYPE_CASES } from './helpers/datatype-cases.js';
import { postJson, type RunningServer, startTestServer } from './helpers/test-server.js';

/** Every datatype crosses the server unchanged, over JSON and over the binary extension. */
describe('datatype round trips over REST', () => {
  let running: RunningServer;
  const url = () => `${running.url}/v2/models/identity/infer`;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  test.each(DATATYPE_CASES)('$datatype over JSON', async ({ datatype, shape, json }) => {
    const { status, body } = await postJson(url(), { inputs: [{ name: 't', shape, datatype, data: json }] });
    expect(status).toBe(200);
    expect((body as { outputs: unknown[] }).outputs).toEqual([{ name: 't', shape, datatype, data: json }]);
  });

  test.each(DATATYPE_CASES)('$datatype over the binary extension', async ({ datatype, shape, bytes }) => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [{ name: 't', shape, datatype, parameters: { binary_data_size: bytes.byteLength } }],
        parameters: { binary_data_output: true },
      },
      bytes,
    );
    const res = await postBinary(url(), body, headerLength);
    expect(res.status).toBe(200);
    const { header, rest } = await readBinaryResponse(res);
    expect(header.outputs).toEqual([
      { name: 't', shape, datatype, parameters: { binary_data_size: bytes.byteLength } },
    ]);
    expect(new Uint8Array(rest)).toEqual(bytes);
  });

  test.each(DATATYPE_CASES)(
    '$datatype: binary in, JSON out gives the JSON values',
    async ({ datatype, shape, json, bytes }) => {
      const { body, headerLength } = binaryBody(
        { inputs: [{ name: 't', shape, datatype, parameters: { binary_data_size: bytes.byteLength } }] },
        bytes,
      );
      const res = await postBinary(url(), body, headerLength);
      expect(((await res.json()) as { outputs: { data: unknown }[] }).outputs[0]!.data).toEqual(json);
    },
  );

  test.each([
    ['an empty tensor', [2, 0], []],
    ['a scalar', [], [5]],
  ])('%s', async (_name, shape, data) => {
    const { status, body } = await postJson(url(), {
      inputs: [{ name: 't', shape, datatype: 'INT32', data }],
    });
    expect(status).toBe(200);
    expect((body as { outputs: unknown[] }).outputs).toEqual([{ name: 't', shape, datatype: 'INT32', data }]);
  });

  test('NaN and infinities travel as strings over JSON', async () => {
    const data = ['NaN', 'Infinity', '-Infinity', 1];
    const { body } = await postJson(url(), { inputs: [{ name: 't', shape: [4], datatype: 'FP32', data }] });
    expect((body as { outputs: { data: unknown }[] }).outputs[0]!.data).toEqual(data);
  });

  test.each([
    ['UINT8 300', 'UINT8', [300], /element 0 is 300, out of range for UINT8 \[0, 255\]/],
    ['INT8 -200', 'INT8', [-200], /element 0 is -200, out of range for INT8 \[-128, 127\]/],
    ['a non-integer for INT32', 'INT32', [1.5], /element 0 is number 1.5; expected an integer/],
    ['a string for FP32', 'FP32', ['x'], /element 0 is the string "x"; expected a number/],
    [
      'a number beyond 2^53 for INT64',
      'INT64',
      [2 ** 60],
      /beyond 2\^53 .* send 64-bit values as decimal strings/,
    ],
    ['a number for BOOL', 'BOOL', [1], /element 0 is number 1; expected true or false/],
    ['a number for BYTES', 'BYTES', [1], /element 0 is number 1; expected a string/],
  ])('%s is a 400 naming the tensor', async (_name, datatype, data, message) => {
    const { status, body } = await postJson(url(), { inputs: [{ name: 'bad', shape: [1], datatype, data }] });
    expect(status).toBe(400);
    expect((body as { error: string }).error).toMatch(/^input 'bad'/);
    expect((body as { error: string }).error).toMatch(message);
  });
});
