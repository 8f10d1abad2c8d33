import { InvalidInputError } from '../errors.js';
import type { Parameters, RequestInput, ResponseOutput } from '../types.js';
import type { InputCodec } from './codec.js';
import { bytesElementToString } from './string-codec.js';

/** MLServer's `datetime` content type: BYTES elements hold ISO 8601 text; the runtime sees `Date`s. */
export const DatetimeCodec: InputCodec<Date[]> = {
  contentType: 'datetime',
  decodeInput(input: RequestInput): Date[] {
    return Array.from(input.data as ArrayLike<unknown>, (element, i) => {
      const text = bytesElementToString(element);
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) {
        throw new InvalidInputError(
          `input '${input.name}' (datetime): element ${i} ${JSON.stringify(text)} is not an ISO 8601 date`,
        );
      }
      return date;
    });
  },
  encodeOutput(name: string, payload: Date[], parameters?: Parameters): ResponseOutput {
    return {
      name,
      shape: [payload.length, 1],
      datatype: 'BYTES',
      parameters: { ...parameters, content_type: 'datetime' },
      data: payload.map((date) => date.toISOString()),
    };
  },
  canEncode: (payload) =>
    Array.isArray(payload) && payload.length > 0 && payload.every((v) => v instanceof Date),
};
