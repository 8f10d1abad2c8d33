import {
  binaryBody,
  bytesElements,
  fp32Bytes,
  postBinary,
  readBinaryResponse,
} from './helpers/binary-body.js';
import { type RunningServer, startTestServer } from './helpers/test-server.js';

describe("Triton's binary tensor extension over REST", () => {
  let running: RunningServer;
  const url = (model = 'identity') => `${running.url}/v2/models/${model}/infer`;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(() => running.stop());

  test('a binary input comes back as a binary output, byte for byte', async () => {
    const blob = fp32Bytes(1.5, -2, 3.25, 0);
    const { body, headerLength } = binaryBody(
      {
        inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
        outputs: [{ name: 'x', parameters: { binary_data: true } }],
      },
      blob,
    );
    const res = await postBinary(url(), body, headerLength);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const { header, rest } = await readBinaryResponse(res);
    expect(header.outputs).toEqual([
      { name: 'x', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } },
    ]);
    expect(new Uint8Array(rest)).toEqual(blob);
  });

  test('binary in, JSON out when the client does not ask for binary outputs', async () => {
    const { body, headerLength } = binaryBody(
      { inputs: [{ name: 'x', shape: [3], datatype: 'FP32', parameters: { binary_data_size: 12 } }] },
      fp32Bytes(1.5, -2, 0.25),
    );
    const res = await postBinary(url(), body, headerLength, 'application/json');
    expect(res.headers.get('inference-header-content-length')).toBeNull();
    expect(((await res.json()) as { outputs: unknown[] }).outputs).toEqual([
      { name: 'x', shape: [3], datatype: 'FP32', data: [1.5, -2, 0.25] },
    ]);
  });

  test('JSON and binary inputs mixed; binary_data_output makes every output binary unless one opts out', async () => {
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 'j', shape: [2], datatype: 'INT32', data: [7, -8] },
          { name: 'b', shape: [1], datatype: 'FP32', parameters: { binary_data_size: 4 } },
        ],
        outputs: [{ name: 'j', parameters: { binary_data: false } }, { name: 'b' }],
        parameters: { binary_data_output: true },
      },
      fp32Bytes(9.5),
    );
    const res = await postBinary(url(), body, headerLength);
    const { header, rest } = await readBinaryResponse(res);
    expect(header.outputs).toEqual([
      { name: 'j', shape: [2], datatype: 'INT32', data: [7, -8] },
      { name: 'b', shape: [1], datatype: 'FP32', parameters: { binary_data_size: 4 } },
    ]);
    expect(new Uint8Array(rest)).toEqual(fp32Bytes(9.5));
  });

  test('BYTES with non-UTF-8 content round-trips exactly', async () => {
    const elements = [
      new Uint8Array([0xff, 0x00, 0xfe]),
      new Uint8Array([]),
      new TextEncoder().encode('héllo'),
    ];
    const blob = bytesElements(...elements);
    const { body, headerLength } = binaryBody(
      {
        inputs: [
          { name: 's', shape: [3], datatype: 'BYTES', parameters: { binary_data_size: blob.byteLength } },
        ],
        parameters: { binary_data_output: true },
      },
      blob,
    );
    const { header, rest } = await readBinaryResponse(await postBinary(url(), body, headerLength));
    expect((header.outputs as { parameters: unknown }[])[0]!.parameters).toEqual({
      binary_data_size: blob.byteLength,
    });
    expect(new Uint8Array(rest)).toEqual(blob);
  });

  test('the raw binary request (header length 0) feeds the single input of the model', async () => {
    const blob = fp32Bytes(0.5, 1, 1.5);
    const res = await fetch(url('raw-single'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' },
      body: blob,
    });
    expect(res.status).toBe(200);
    const { header, rest } = await readBinaryResponse(res);
    expect(header.outputs).toEqual([
      { name: 'audio', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 12 } },
    ]);
    expect(new Uint8Array(rest)).toEqual(blob);
  });

  test('GET /v2 advertises binary_tensor_data', async () => {
    const meta = (await (await fetch(`${running.url}/v2`)).json()) as { extensions: string[] };
    expect(meta.extensions).toContain('binary_tensor_data');
  });

  describe('malformed framing gets a 400 that says which', () => {
    const expectError = async (res: Response, message: RegExp) => {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    };
    const header = (size: number, shape = [2], datatype = 'FP32') => ({
      inputs: [{ name: 'x', shape, datatype, parameters: { binary_data_size: size } }],
    });

    test('header length larger than the body', async () => {
      const { body } = binaryBody(header(8), fp32Bytes(1, 2));
      await expectError(
        await postBinary(url(), body, body.byteLength + 10),
        /Inference-Header-Content-Length is \d+ but the body holds only \d+ bytes/,
      );
    });

    test('header length that is not a number', async () => {
      const { body } = binaryBody(header(8), fp32Bytes(1, 2));
      const res = await fetch(url(), {
        method: 'POST',
        headers: { 'inference-header-content-length': 'ten' },
        body,
      });
      await expectError(res, /Inference-Header-Content-Length must be a non-negative integer, not "ten"/);
    });

    test('a JSON header that is not JSON', async () => {
      const { body, headerLength } = binaryBody(header(8), fp32Bytes(1, 2));
      await expectError(
        await postBinary(url(), body, headerLength - 3),
        /the JSON header of a binary request is not valid JSON/,
      );
    });

    test('binary sizes that do not add up to the body', async () => {
      const { body, headerLength } = binaryBody(header(8), fp32Bytes(1, 2, 3));
      await expectError(
        await postBinary(url(), body, headerLength),
        /the body holds 12 bytes after the JSON header but the inputs' binary_data_size add up to 8/,
      );
    });

    test('a binary_data_size larger than what is left', async () => {
      const { body, headerLength } = binaryBody(header(16), fp32Bytes(1, 2));
      await expectError(
        await postBinary(url(), body, headerLength),
        /input 'x': binary_data_size 16 exceeds the 8 bytes left in the body/,
      );
    });

    test('a blob whose size does not match shape × element size', async () => {
      const { body, headerLength } = binaryBody(header(12, [2]), fp32Bytes(1, 2, 3));
      await expectError(
        await postBinary(url(), body, headerLength),
        /input 'x': raw data holds 12 bytes but shape \[2\] of FP32 needs 8 \(2 × 4\)/,
      );
    });

    test('a BYTES element cut off', async () => {
      const blob = bytesElements(new Uint8Array([1, 2, 3])).subarray(0, 5);
      const { body, headerLength } = binaryBody(header(blob.byteLength, [1], 'BYTES'), blob);
      await expectError(
        await postBinary(url(), body, headerLength),
        /BYTES element 0 declares 3 bytes but only 1 remain/,
      );
    });

    test('a negative binary_data_size', async () => {
      const { body, headerLength } = binaryBody(header(-4), fp32Bytes(1));
      await expectError(
        await postBinary(url(), body, headerLength),
        /inputs\[0\]: binary_data_size must be a non-negative integer/,
      );
    });
  });
});
