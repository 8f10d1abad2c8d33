import { fromFloat16Bits, toFloat16Bits } from '../../server/codecs/float16.js';
import { defaultWorkers, parseOnnxOptions } from '../../runtimes/onnx/options.js';
import { DATATYPE_TO_ORT, ORT_TO_DATATYPE, explainOpenError } from '../../runtimes/onnx/element-types.js';
import { classifyRunError } from '../../runtimes/onnx/session-runner.js';
import { decodeInput } from '../../runtimes/onnx/tensor-decode.js';
import { DATATYPE_INFO } from '../../server/codecs/datatypes.js';

describe('float16', () => {
  test.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [1e6, 0x7c00],
    [2 ** -24, 0x0001],
    [Number.POSITIVE_INFINITY, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [0.1, 0x2e66],
  ])('%d ⇄ 0x%s', (value, bits) => {
    expect(toFloat16Bits(value)).toBe(bits);
    if (Math.abs(value) <= 65504) expect(fromFloat16Bits(bits)).toBe(value === 0.1 ? 0.0999755859375 : value);
  });

  test('NaN stays NaN; every finite pattern round-trips', () => {
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(Number.NaN)))).toBe(true);
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      const back = toFloat16Bits(fromFloat16Bits(bits));
      expect(back === bits || (bits === 0x8000 && back === 0x8000)).toBe(true);
    }
  });
});

describe('the ONNX ⇄ protocol datatype table', () => {
  test('covers every protocol datatype but BF16, both ways', () => {
    const covered = Object.values(ORT_TO_DATATYPE).sort();
    const all = Object.keys(DATATYPE_INFO)
      .filter((d) => d !== 'BF16')
      .sort();
    expect(covered).toEqual(all);
    for (const [ort, datatype] of Object.entries(ORT_TO_DATATYPE))
      expect(DATATYPE_TO_ORT[datatype]).toBe(ort);
    expect(DATATYPE_TO_ORT.BF16).toBeUndefined();
  });

  test("onnxruntime-node's unsupported-type error is rewritten to name the type", () => {
    expect(explainOpenError('Unsupported data type: 16')).toContain('element type bfloat16');
    expect(explainOpenError('Unsupported data type: 17')).toContain('element type float8e4m3fn');
    expect(explainOpenError('something else')).toBe('something else');
  });
});

describe('parameters.extra', () => {
  test('defaults: CPU, full optimisation, a worker count for this machine', () => {
    const options = parseOnnxOptions('m', {}, ['cpu']);
    expect(options).toMatchObject({
      workers: defaultWorkers(),
      max_queue: 256,
      graph_optimization_level: 'all',
      execution_providers: ['cpu'],
    });
    expect(options.intra_op_num_threads).toBeGreaterThanOrEqual(1);
  });

  test('every problem is listed, naming its field', () => {
    expect(() =>
      parseOnnxOptions('m', { workers: 'two', graph_optimization_level: 'max', execution_providers: [] }, [
        'cpu',
      ]),
    ).toThrow(
      /parameters\.extra\.workers: must be integer.*parameters\.extra\.graph_optimization_level: expected one of "disabled", "basic", "extended", "all".*parameters\.extra\.execution_providers: must NOT have fewer than 1 items/,
    );
  });

  test('an execution provider the build lacks is refused', () => {
    expect(() => parseOnnxOptions('m', { execution_providers: ['cuda'] }, ['cpu'])).toThrow(
      "model 'm': parameters.extra.execution_providers: cuda not offered by this onnxruntime-node build (available: cpu)",
    );
  });
});

describe('onnxruntime errors', () => {
  test('feed and node failures are the input’s fault; others are internal', () => {
    expect(
      classifyRunError(new Error('[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid rank for input: x'))
        .kind,
    ).toBe('input');
    expect(
      classifyRunError(new Error("Non-zero status code returned while running Add node. Name:'a'")).kind,
    ).toBe('input');
    expect(classifyRunError(new Error('std::bad_alloc')).kind).toBe('internal');
  });
});

describe('decoding inputs for onnxruntime', () => {
  test('a typed array that owns its buffer is passed on as is', () => {
    const data = Float32Array.from([1, 2, 3]);
    const tensor = decodeInput({ name: 'x', datatype: 'FP32', shape: [3], data }, 'float32');
    expect(tensor.data).toBe(data);
  });

  test('a view into a shared buffer (a Node Buffer) is copied into a plain typed array', () => {
    const pool = Buffer.from([9, 1, 2, 3, 9]);
    const view = pool.subarray(1, 4);
    const tensor = decodeInput({ name: 'x', datatype: 'UINT8', shape: [3], data: view }, 'uint8');
    expect(tensor.data).not.toBe(view);
    expect((tensor.data as Uint8Array).constructor).toBe(Uint8Array);
    expect(Array.from(tensor.data as Uint8Array)).toEqual([1, 2, 3]);
  });

  test('JSON lists become typed arrays; 64-bit integers exactly', () => {
    const tensor = decodeInput(
      { name: 'x', datatype: 'INT64', shape: [2], data: ['9223372036854775807', -5] },
      'int64',
    );
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([9223372036854775807n, -5n]);
  });
});
