import { InferenceServerError } from '../../server/errors.js';
import { type JsonRequestOptions, PARSE_BELOW_BYTES } from '../../server/wire/json-request.js';
import { DATATYPE_CASES } from '../helpers/datatype-cases.js';
import { decodeWith, firstDifference, GENEROUS, nest, referenceDecode } from '../helpers/json-reference.js';

const PATHS = ['parse', 'read'] as const;

/** Both paths decode `text` exactly as today's JSON.parse + validation (+ typed arrays) does. */
function expectSameAsReference(text: string): void {
  const reference = referenceDecode(text);
  for (const path of PATHS) {
    expect({ path, difference: firstDifference(decodeWith(path, text), reference) }).toEqual({
      path,
      difference: undefined,
    });
  }
}

/** Both paths fail with the same status and message, and it is the one given. */
function expectError(text: string, code: string, message: string | RegExp, options = GENEROUS): void {
  for (const path of PATHS) {
    let error: unknown;
    try {
      decodeWith(path, text, options);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InferenceServerError);
    expect({ path, code: (error as InferenceServerError).code }).toEqual({ path, code });
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  }
}

/** The message today's path gives for the same body (validation's own words). */
function referenceMessage(text: string): string {
  try {
    referenceDecode(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the reference accepted the body');
}

function body(input: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...extra, inputs: [input] });
}

describe('JSON request decoder: same requests as JSON.parse + validation', () => {
  describe.each(DATATYPE_CASES)('$datatype', ({ datatype, shape, json }) => {
    test('flat data', () => expectSameAsReference(body({ name: 't', shape, datatype, data: json })));
    test('data nested by the shape', () =>
      expectSameAsReference(body({ name: 't', shape, datatype, data: nest(json, shape) })));
    test('data before shape and datatype (read in a second pass)', () =>
      expectSameAsReference(body({ data: nest(json, shape), name: 't', datatype, shape })));
    test('shape last, parameters between', () =>
      expectSameAsReference(
        body({
          name: 't',
          datatype,
          parameters: { content_type: null, x: [1, { y: 'z' }] },
          data: json,
          shape,
        }),
      ));
    test('padded with whitespace everywhere', () => {
      const text = JSON.stringify(
        { inputs: [{ name: 't', shape, datatype, data: nest(json, shape) }] },
        null,
        '\t',
      );
      expectSameAsReference(text.replace(/,/g, ' ,\r\n '));
    });
  });

  test('numeric data lands in the typed array of its datatype; BOOL and BYTES stay lists', () => {
    const text = JSON.stringify({
      inputs: [
        { name: 'f', shape: [2], datatype: 'FP32', data: [1.5, 2] },
        { name: 'h', shape: [1], datatype: 'FP16', data: [1.5] },
        { name: 'l', shape: [2], datatype: 'INT64', data: ['-9223372036854775808', 7] },
        { name: 'b', shape: [2], datatype: 'BOOL', data: [true, false] },
        { name: 's', shape: [1], datatype: 'BYTES', data: ['é'] },
      ],
    });
    for (const path of PATHS) {
      const { inputs } = decodeWith(path, text);
      expect(inputs.map((i) => i.data)).toEqual([
        new Float32Array([1.5, 2]),
        new Uint16Array([0x3e00]),
        new BigInt64Array([-9223372036854775808n, 7n]),
        [true, false],
        ['é'],
      ]);
    }
  });

  test('the default dispatch: JSON.parse below PARSE_BELOW_BYTES, the byte-level reader above, same result', () => {
    for (const rows of [10, Math.ceil(PARSE_BELOW_BYTES / 20)]) {
      const data = Array.from({ length: rows }, (_, i) => [i / 8, -i, i * 1e-3, 0.1]);
      const text = body({ name: 'x', shape: [rows, 4], datatype: 'FP64', data });
      expect(text.length < PARSE_BELOW_BYTES).toBe(rows === 10);
      expect(firstDifference(decodeWith('auto', text), referenceDecode(text))).toBeUndefined();
    }
  });

  test('MLServer clients: every optional field null counts as absent', () => {
    const text =
      '{"id": null, "parameters": null, "inputs": [{"name": "prompt", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "str", "headers": null}, "data": ["What is the capital of France?"]}], "outputs": [{"name": "output", "parameters": null}]}';
    expectSameAsReference(text);
    for (const path of PATHS) {
      expect(decodeWith(path, text)).toEqual({
        inputs: [
          {
            name: 'prompt',
            shape: [1],
            datatype: 'BYTES',
            parameters: { content_type: 'str' },
            data: ['What is the capital of France?'],
          },
        ],
        outputs: [{ name: 'output' }],
      });
    }
    expectSameAsReference(
      '{"id":"a","parameters":{"content_type":null,"headers":null,"k":null},"inputs":[],"outputs":null}',
    );
  });

  test.each([
    [
      'negative zero and tiny numbers',
      'FP64',
      [-0, 5e-324, 2.2250738585072014e-308, 1e-320, -1.7976931348623157e308],
    ],
    ['float words', 'FP32', ['NaN', 'Infinity', '-Infinity', 'inf', '-inf', 'nan']],
    ['float words in half precision', 'FP16', ['NaN', '-Infinity', 65519, 65520, 1e-8, -0]],
    ['bfloat16 rounding', 'BF16', [1.00390625, 1.01171875, 3.3895313892515355e38, 'nan']],
    ['exponents', 'FP64', [1e22, 1e23, 1.5e-22, 1.5e-23, 12345e-300, 1e308]],
    ['integers written as floats', 'INT32', [1.0, 1e2, -0, 2147483647, -2147483648]],
    [
      '64-bit limits as strings and numbers',
      'INT64',
      ['9223372036854775807', '-9223372036854775808', 9007199254740991, -9007199254740991, '007', '-0'],
    ],
    ['unsigned 64-bit', 'UINT64', ['18446744073709551615', 0, 9007199254740991]],
    ['8-bit limits', 'UINT8', [0, 255, 1]],
    [
      'BYTES with escapes and every plane',
      'BYTES',
      ['a\\"b', '\u00e9\u4e2d\ud83d\ude00', '\n\t\u0001', '\ud800', ''],
    ],
  ])('edge values: %s', (_label, datatype, data) => {
    expectSameAsReference(body({ name: 'e', shape: [data.length], datatype, data }));
  });

  test('exotic number spellings are read exactly as JSON.parse reads them', () => {
    const numbers = [
      '0',
      '-0',
      '0.0',
      '-0.0e-0',
      '1E+2',
      '1e-7',
      '123.456e3',
      '4.9406564584124654e-324',
      '1e400',
      '-1e400',
      '0.30000000000000004',
      '2.4703282292062327e-324',
      '2.4703282292062328e-324',
      '0.1000000000000000055511151231257827',
      '123456789012345678901234567890',
      '9007199254740993',
      '1.00000000000000011102230246251565404236316680908203125',
      '179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791',
    ];
    const text = `{"inputs":[{"name":"n","shape":[${numbers.length}],"datatype":"FP64","data":[${numbers.join(',')}]}],"parameters":{"n":[${numbers.join(',')}]}}`;
    expectSameAsReference(text);
  });

  test('scalar data stands for a one-element tensor', () => {
    expectSameAsReference(body({ name: 's', shape: [], datatype: 'FP32', data: 2.5 }));
    expectSameAsReference(body({ name: 's', shape: [1, 1], datatype: 'BYTES', data: 'x' }));
    expectSameAsReference(body({ name: 's', shape: [1], datatype: 'BOOL', data: true }));
  });

  test('ragged and empty lists flatten as validation always flattened them', () => {
    expectSameAsReference(body({ name: 'r', shape: [2, 2], datatype: 'INT32', data: [[1], [2, 3, 4]] }));
    expectSameAsReference(
      body({ name: 'r', shape: [2, 2], datatype: 'INT32', data: [[], [1, 2], [], [3, 4]] }),
    );
    expectSameAsReference(body({ name: 'r', shape: [0, 3], datatype: 'FP32', data: [] }));
    expectSameAsReference(body({ name: 'r', shape: [2, 0], datatype: 'FP32', data: [[], []] }));
  });

  test('everything besides tensor data comes out as JSON.parse gives it', () => {
    const text = JSON.stringify({
      id: 'r1',
      model_name: 'ignored',
      parameters: { a: [1, 2.5, 'x', null, true, { b: { c: [[]] } }], headers: { h: 'v' }, é: 'ü' },
      inputs: [
        {
          name: 'x',
          shape: [1],
          datatype: 'FP32',
          parameters: { binary_data: false },
          data: [1],
          other: { z: 1 },
        },
      ],
      outputs: [{ name: 'y', parameters: { binary_data: true, '': 0 } }, { name: 'z' }],
      unknown: [{}, [], '', 0],
    });
    expectSameAsReference(text);
  });

  test('__proto__ keys become own properties, never prototypes', () => {
    const text =
      '{"parameters":{"__proto__":{"polluted":1}},"inputs":[{"name":"p","shape":[1],"datatype":"FP32","data":[1],"__proto__":[2]}]}';
    expectSameAsReference(text);
    for (const path of PATHS) {
      const request = decodeWith(path, text);
      expect(Object.getPrototypeOf(request.parameters)).toBe(Object.prototype);
      expect(Object.keys(request.parameters!)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });

  test('repeated keys: the last one wins, as in JSON.parse', () => {
    expectSameAsReference(
      '{"inputs":[{"name":"d","shape":[2],"datatype":"FP32","data":[1,2],"data":[3,4]}]}',
    );
    // shape and datatype change after the data was read: the data is read again
    expectSameAsReference(
      '{"inputs":[{"name":"d","shape":[4],"datatype":"FP32","data":[1,2,3,4],"shape":[2,2],"datatype":"INT8"}]}',
    );
    expectSameAsReference(
      '{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]}],"inputs":[{"name":"b","shape":[1],"datatype":"INT8","data":[2]}]}',
    );
    expectSameAsReference('{"id":"a","id":null,"inputs":[]}');
  });

  test('what the data looked like under an earlier shape does not count once a repeated key changes it', () => {
    // count mismatch under [3], fine under the final [2]
    expectSameAsReference('{"inputs":[{"name":"d","shape":[3],"datatype":"FP32","data":[1,2],"shape":[2]}]}');
    // 413 under [1e9], fine under the final [1]
    const text = '{"inputs":[{"name":"d","shape":[1000000000],"datatype":"FP32","data":[1],"shape":[1]}]}';
    for (const path of PATHS) {
      expect(decodeWith(path, text, { maxInputBytes: 100, maxRequestBytes: 100 }).inputs[0]!.data).toEqual(
        new Float32Array([1]),
      );
    }
    // a rank over the bound, then a valid shape
    const rank = JSON.stringify(Array.from({ length: 70 }, () => 1));
    expectSameAsReference(
      `{"inputs":[{"name":"d","shape":${rank},"datatype":"INT8","data":[1],"shape":[1]}]}`,
    );
    // and the same errors stand when the plan does not change
    expectError(
      '{"inputs":[{"name":"d","shape":[3],"datatype":"FP32","data":[1,2],"shape":[3]}]}',
      'invalid_argument',
      "input 'd' has shape [3] (3 elements) but its data holds 2 elements",
    );
  });

  test('invalid UTF-8 inside strings is replaced as Buffer.toString does', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"inputs":[{"name":"u","shape":[2],"datatype":"BYTES","data":["a'),
      Buffer.from([0xff, 0xe2, 0x82]),
      Buffer.from('","'),
      Buffer.from([0xc3]),
      Buffer.from('"]}]}'),
    ]);
    const reference = referenceDecode(bytes.toString('utf8'));
    for (const path of PATHS) expect(firstDifference(decodeWith(path, bytes), reference)).toBeUndefined();
  });
});

describe('JSON request decoder: the same 400s as validation', () => {
  test.each([
    ['count mismatch', { name: 'c', shape: [3], datatype: 'FP32', data: [1, 2] }],
    ['count mismatch past the shape', { name: 'c', shape: [2], datatype: 'FP32', data: [1, 2, 3] }],
    ['count mismatch wins over a bad element', { name: 'c', shape: [3], datatype: 'INT8', data: [1, 'x'] }],
    ['non-integer', { name: 'i', shape: [2], datatype: 'INT32', data: [1, 1.5] }],
    ['out of range', { name: 'i', shape: [3], datatype: 'UINT8', data: [1, 2, 256] }],
    ['negative unsigned', { name: 'i', shape: [1], datatype: 'UINT64', data: [-1] }],
    ['beyond 2^53', { name: 'i', shape: [2], datatype: 'INT64', data: [1, 9007199254740992] }],
    [
      '64-bit string out of range',
      { name: 'i', shape: [1], datatype: 'INT64', data: ['9223372036854775808'] },
    ],
    ['string in INT32', { name: 'i', shape: [1], datatype: 'INT32', data: ['5'] }],
    ['word not a float word', { name: 'f', shape: [2], datatype: 'FP32', data: [1, 'Inf'] }],
    ['bool in floats', { name: 'f', shape: [2], datatype: 'FP64', data: [1, true] }],
    ['null element', { name: 'f', shape: [2], datatype: 'FP16', data: [null, 1] }],
    ['object element', { name: 'f', shape: [2], datatype: 'FP32', data: [1, { a: 1 }] }],
    ['number in BOOL', { name: 'b', shape: [2], datatype: 'BOOL', data: [true, 0] }],
    ['number in BYTES', { name: 's', shape: [2], datatype: 'BYTES', data: ['a', 1] }],
    ['first bad element is reported', { name: 'i', shape: [3], datatype: 'INT8', data: [1, 1000, 'x'] }],
    ['data not an array', { name: 'd', shape: [2], datatype: 'FP32', data: 1 }],
    ['data null', { name: 'd', shape: [1], datatype: 'FP32', data: null }],
    ['data an object', { name: 'd', shape: [1], datatype: 'FP32', data: {} }],
    ['missing data', { name: 'd', shape: [1], datatype: 'FP32' }],
    ['missing name', { shape: [1], datatype: 'FP32', data: [1] }],
    ['unknown datatype', { name: 'd', shape: [1], datatype: 'FP8', data: [1] }],
    ['bad shape', { name: 'd', shape: [1.5], datatype: 'FP32', data: [1] }],
    ['negative dimension', { data: [1], name: 'd', shape: [-1], datatype: 'FP32' }],
    ['bad parameters', { name: 'd', shape: [1], datatype: 'FP32', parameters: 'x', data: [1] }],
  ])('%s', (_label, input) => {
    const text = body(input as Record<string, unknown>);
    expectError(text, 'invalid_argument', referenceMessage(text));
  });

  test.each([
    ['not an object', '[1,2]'],
    ['missing inputs', '{}'],
    ['inputs not a list', '{"inputs":{}}'],
    ['input not an object', '{"inputs":[3]}'],
    ['bad id', '{"id":5,"inputs":[]}'],
    ['bad outputs', '{"inputs":[],"outputs":[{}]}'],
    [
      'duplicate input names',
      '{"inputs":[{"name":"a","shape":[],"datatype":"BOOL","data":true},{"name":"a","shape":[],"datatype":"BOOL","data":false}]}',
    ],
  ])('request level: %s', (_label, text) => {
    expectError(text, 'invalid_argument', referenceMessage(text));
  });

  test.each([
    ['trailing comma', '{"inputs":[],}'],
    ['truncated', '{"inputs":[{"name":"a","shape":[2],"datatype":"FP32","data":[1,'],
    ['bad number', '{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[01]}]}'],
    ['bare word', '{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[NaN]}]}'],
    ['control character in a string', '{"id":"a\u0001","inputs":[]}'],
    ['bad escape', '{"id":"\\x","inputs":[]}'],
    ['trailing garbage', '{"inputs":[]} x'],
    ['empty body', ''],
  ])('invalid JSON is a 400 with its position: %s', (_label, text) => {
    expectError(
      text,
      'invalid_argument',
      /^request body is not valid JSON: .* at byte \d+ \(line \d+, column \d+\)$/,
    );
  });

  test('syntax errors name byte, line and column', () => {
    expectError(
      '{\n  "inputs": [\n    {"name": x}\n  ]\n}',
      'invalid_argument',
      "request body is not valid JSON: unexpected 'x', expected a JSON value at byte 29 (line 3, column 14)",
    );
  });
});

describe('JSON request decoder: bounds', () => {
  const limits: JsonRequestOptions = { maxInputBytes: 1000, maxRequestBytes: 1500 };

  test('an input over the per-input limit is a 413 naming tensor, size and limit, before its data', () => {
    // 31,000,000 × 4 FP32 declared, two elements sent: refused from the shape alone
    expectError(
      body({ name: 'big', shape: [31000000, 4], datatype: 'FP32', data: [1, 2] }),
      'payload_too_large',
      "input 'big' (FP32, shape [31000000,4]) decodes to 496000000 bytes, over the limit of 1000 bytes per input",
      limits,
    );
    expectError(
      body({ data: [1, 2], name: 'big', datatype: 'FP64', shape: [126] }),
      'payload_too_large',
      "input 'big' (FP64, shape [126]) decodes to 1008 bytes, over the limit of 1000 bytes per input (setting max_input_bytes)",
      { ...limits, inputSetting: 'max_input_bytes' },
    );
  });

  test('inputs over the per-request limit together are a 413 naming the input that crosses it', () => {
    const data = Array.from({ length: 200 }, () => 1);
    const text = JSON.stringify({
      inputs: ['a', 'b'].map((name) => ({ name, shape: [200], datatype: 'FP32', data })),
    });
    expectError(
      text,
      'payload_too_large',
      "input 'b' (FP32, shape [200]) brings the request's tensors to 1600 decoded bytes, over the limit of 1500 bytes per request",
      limits,
    );
  });

  test('BYTES are counted element by element (4 + UTF-8 length)', () => {
    const ok = body({ name: 's', shape: [2], datatype: 'BYTES', data: ['x'.repeat(496), 'é'.repeat(248)] });
    for (const path of PATHS) expect(decodeWith(path, ok, limits).inputs[0]!.data).toHaveLength(2);
    expectError(
      body({ name: 's', shape: [2], datatype: 'BYTES', data: ['x'.repeat(496), 'é'.repeat(249)] }),
      'payload_too_large',
      "input 's' (BYTES) decodes to more than 1000 bytes, the limit per input",
      limits,
    );
  });

  test('a huge declared shape with little data is a count mismatch, not an allocation', () => {
    const text = body({ name: 'h', shape: [100000000], datatype: 'FP64', data: [1] });
    expectError(text, 'invalid_argument', referenceMessage(text));
  });

  test('data nested 10,000 deep is a 400, never a stack overflow', () => {
    const deep = `{"inputs":[{"name":"d","shape":[1],"datatype":"FP32","data":${'['.repeat(10000)}1${']'.repeat(10000)}}]}`;
    expectError(deep, 'invalid_argument', "input 'd': 'data' nests lists 2 deep but shape [1] allows 1");
    // data before its shape: skipped under the general bound first
    const early = `{"inputs":[{"data":${'['.repeat(10000)}1${']'.repeat(10000)},"name":"d","shape":[1],"datatype":"FP32"}]}`;
    expectError(
      early,
      'invalid_argument',
      /nests arrays and objects 65 deep; the limit is 64|'data' nests lists 2 deep/,
    );
  });

  test('data may nest as deep as the shape has dimensions', () => {
    const shape = Array.from({ length: 20 }, () => 1);
    const data = JSON.parse(`${'['.repeat(20)}7${']'.repeat(20)}`);
    expectSameAsReference(body({ name: 'r', shape, datatype: 'INT16', data }));
    expectError(
      body({ name: 'r', shape: shape.slice(1), datatype: 'INT16', data }),
      'invalid_argument',
      "input 'r': 'data' nests lists 20 deep but shape [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1] allows 19",
    );
  });

  test('parameters nested past the bound are a 400', () => {
    const deep = `{"parameters":{"p":${'['.repeat(10000)}${']'.repeat(10000)}},"inputs":[]}`;
    expectError(deep, 'invalid_argument', 'request body nests arrays and objects 65 deep; the limit is 64');
    const ok = `{"parameters":{"p":${'['.repeat(62)}${']'.repeat(62)}},"inputs":[]}`;
    expectSameAsReference(ok);
    expectError(
      `{"parameters":{"p":${'['.repeat(63)}${']'.repeat(63)}},"inputs":[]}`,
      'invalid_argument',
      'request body nests arrays and objects 65 deep; the limit is 64',
    );
  });

  test('a rank above the bound is a 400', () => {
    const shape = Array.from({ length: 65 }, () => 1);
    expectError(
      body({ name: 'r', shape, datatype: 'FP32', data: [1] }),
      'invalid_argument',
      "input 'r' (inputs[0]) has shape of rank 65; the limit is 64",
    );
  });

  test('too many JSON values outside tensor data is a 413', () => {
    const text = JSON.stringify({ parameters: { list: Array.from({ length: 100 }, () => 0) }, inputs: [] });
    expectError(
      text,
      'payload_too_large',
      'request body holds more than 50 JSON values outside tensor data (the limit per request)',
      {
        ...GENEROUS,
        maxJsonValues: 50,
      },
    );
    for (const path of PATHS)
      expect(decodeWith(path, text, { ...GENEROUS, maxJsonValues: 104 }).inputs).toEqual([]);
    expectError(text, 'payload_too_large', /more than 103 JSON values/, { ...GENEROUS, maxJsonValues: 103 });
  });

  test('tensor data does not count as JSON values', () => {
    const text = body({
      name: 'x',
      shape: [1000],
      datatype: 'BOOL',
      data: Array.from({ length: 1000 }, () => true),
    });
    for (const path of PATHS)
      expect(decodeWith(path, text, { ...GENEROUS, maxJsonValues: 10 }).inputs[0]!.data).toHaveLength(1000);
  });
});
