import fc from 'fast-check';
import { JsonCursor } from '../../server/wire/json-cursor.js';

const RUNS = Number(process.env.FC_RUNS ?? 300) * 20;

/** The number token `text` as the byte-level reader reads it; it must consume all of it. */
function read(text: string): number {
  const cursor = new JsonCursor(Buffer.from(text));
  const value = cursor.readNumber();
  expect(cursor.pos).toBe(text.length);
  return value;
}

function same(text: string): void {
  const value = read(text);
  if (!Object.is(value, Number(text)))
    throw new Error(`${text}: read ${value}, JSON.parse gives ${Number(text)}`);
}

/** Decimal digits as JSON writes them: optional minus, digits with an optional point, optional exponent. */
const digitString = fc
  .record({
    negative: fc.boolean(),
    digits: fc.stringMatching(/^[1-9][0-9]{0,21}$/),
    point: fc.nat(),
    zeros: fc.integer({ min: 0, max: 8 }),
    exponent: fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined }),
  })
  .map(({ negative, digits, point, zeros, exponent }) => {
    const at = point % (digits.length + 1);
    const body =
      at === digits.length
        ? digits
        : `${digits.slice(0, at) || `0.${'0'.repeat(zeros)}`}${at === 0 ? '' : '.'}${digits.slice(at)}`;
    return `${negative ? '-' : ''}${body}${exponent === undefined ? '' : `e${exponent}`}`;
  });

describe('JSON numbers: read from bytes exactly as JSON.parse reads them', () => {
  test('shortest forms of random doubles and of float32 values (numpy .tolist())', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => same(String(x))),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (x) => same(String(x))),
      { numRuns: RUNS },
    );
  });

  test('random digit strings of every length, point position and exponent', () => {
    fc.assert(fc.property(digitString, same), { numRuns: RUNS });
  });

  test('ties and neighbours of powers of two round as JSON.parse rounds them', () => {
    for (const text of [
      '9007199254740993',
      '9007199254740995',
      '18014398509481986',
      '18014398509481990',
      '9223372036854775807',
      '9223372036854775808',
      '0.9999999999999999444888487687421729788184165954589843750',
      '1.00000000000000011102230246251565404236316680908203125',
      '0.50000000000000005551115123125782702118158340454101562',
      '4503599627370496.5',
      '4503599627370497.5',
      '2251799813685248.25',
      '1125899906842624.125',
      '0.1',
      '0.30000001192092896',
      '3.4028234663852886e38',
      '1.1754943508222875e-38',
      '1.401298464324817e-45',
      '2.2250738585072011e-308',
      '1234567890123456789e-22',
      '1234567890123456789e-23',
      '-0.000000000000000000001',
    ]) {
      same(text);
    }
    for (let k = -60; k <= 60; k++) {
      const x = 2 ** k;
      for (const y of [x, x * (1 + 2 ** -52), x * (1 - 2 ** -53)]) {
        for (const p of [16, 17, 18, 19]) same(y.toPrecision(p).replace('+', ''));
      }
    }
  });
});
