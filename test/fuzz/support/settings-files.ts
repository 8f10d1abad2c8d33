import fc from 'fast-check';
import { DATATYPES } from '../../../server/types.js';
import { applyCorruptions, corruption } from './corruption.js';

const implementations = fc.constantFrom(
  'echo.Echo',
  'echo.Echo',
  'echo.Missing',
  'nope.Nope',
  'onnx',
  'echo',
  '',
  '../echo/echo.Echo',
  '..tmp.outside.evil.Evil',
  '/etc/passwd',
  'node:fs.readFile',
  'echo.Echo.Deeper',
  'ÉCHO.Echo',
);

const uris = fc.constantFrom(
  null,
  'model.onnx',
  '/etc/passwd',
  '../../../../etc/passwd',
  'file:///etc/passwd',
  's3://b/k',
  '',
  '\u0000',
);

const tensorMetadata = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 6 }), fc.constant('x')),
    datatype: fc.oneof(fc.constantFrom(...DATATYPES), fc.constantFrom('fp32', '', 'STRING')),
    shape: fc.oneof(fc.array(fc.integer({ min: -3, max: 5 }), { maxLength: 3 }), fc.constant([2 ** 53])),
  },
  { requiredKeys: ['name', 'datatype', 'shape'] },
);

/** A settings object shaped like model-settings.json, with odd values in its fields. */
const settingsObject = fc.record(
  {
    name: fc.oneof(fc.constant('m'), fc.constantFrom('', 'a/b', '../m', 'm ', 'ḿ', 'm?x')),
    implementation: implementations,
    versions: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    platform: fc.string({ maxLength: 6 }),
    inputs: fc.array(tensorMetadata, { maxLength: 2 }),
    outputs: fc.array(tensorMetadata, { maxLength: 2 }),
    strict_inputs: fc.boolean(),
    max_batch_size: fc.integer({ min: -1, max: 3 }),
    parallel_workers: fc.option(fc.integer({ min: -1, max: 2 })),
    session: fc.record(
      {
        binary_input: fc.option(fc.constantFrom('x', 'audio', '')),
        max_sessions: fc.option(fc.integer({ min: -1, max: 3 })),
        state: fc.constantFrom([], [{ input: 'x', output: 'y', initial: null }], [{ input: 'x' }]),
      },
      { requiredKeys: [] },
    ),
    parameters: fc.record(
      {
        uri: uris,
        version: fc.option(fc.string({ maxLength: 4 })),
        content_type: fc.option(fc.constantFrom('np', 'str', 'nope')),
        extra: fc.oneof(
          fc.constant({}),
          fc.constant({ workers: 0 }),
          fc.constant({ workers: 1000000 }),
          fc.constant([]),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['implementation'] },
);

/** Settings that load: the echo, with valid optional fields. */
const plausibleSettings = fc.record(
  {
    name: fc.constant('m'),
    implementation: fc.constant('echo.Echo'),
    platform: fc.string({ maxLength: 6 }),
    versions: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
    inputs: fc.array(
      fc.record({
        name: fc.constantFrom('a', 'b'),
        datatype: fc.constantFrom(...DATATYPES),
        shape: fc.constantFrom([-1], [1], []),
      }),
      { maxLength: 1 },
    ),
    strict_inputs: fc.boolean(),
    parameters: fc.record({ content_type: fc.constantFrom(null, 'np') }, { requiredKeys: [] }),
  },
  { requiredKeys: ['name', 'implementation'] },
);

/** What a model-settings.json may hold: random JSON, non-JSON text, or settings with odd values, damaged. */
export const settingsFile: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc
        .constantFrom('', '{', '{"name":', '\ufeff{}', '{"implementation":"echo.Echo"}garbage')
        .map((t) => Buffer.from(t)),
    ),
  },
  { weight: 3, arbitrary: plausibleSettings.map((settings) => Buffer.from(JSON.stringify(settings))) },
  {
    weight: 4,
    arbitrary: fc
      .record({ settings: settingsObject, corruptions: fc.array(corruption, { maxLength: 2 }) })
      .map(({ settings, corruptions }) => applyCorruptions(settings, corruptions)),
  },
);
