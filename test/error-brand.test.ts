import { InferenceServerError, InvalidInputError } from '../server/errors.js';

describe('InferenceServerError.from', () => {
  test("recognises the errors of another copy of the module (a tsx-loaded runtime's 'mlserver-ts') by their brand", async () => {
    // A second instance of errors.ts, as the CLI's tsx loader gives every runtime.
    const copy = (await import(
      `../server/errors.js?copy=${Date.now()}`
    )) as typeof import('../server/errors.js');
    const thrown = new copy.InvalidInputError('bad audio');
    // Another class object, yet `instanceof` holds: it goes by the brand.
    expect(copy.InvalidInputError).not.toBe(InvalidInputError);
    expect(thrown).toBeInstanceOf(InvalidInputError);
    const normalised = InferenceServerError.from(thrown, 'model error');
    expect(normalised).toBeInstanceOf(InferenceServerError);
    expect(normalised.code).toBe('invalid_argument');
    expect(normalised.message).toBe('bad audio');
    expect(InferenceServerError.from(new Error('boom'), 'model error').code).toBe('internal');
  });
});
