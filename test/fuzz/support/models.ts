import type fc from 'fast-check';
import { echoDifference, responseProblem } from './echo-oracle.js';
import { audioRequest, echoRequest, irisRequest, typedRequest } from './requests.js';

/** A model the fuzzing aims at: its valid requests, and what a 200 must hold. */
export interface FuzzModel {
  name: string;
  request: fc.Arbitrary<Record<string, unknown>>;
  /** Responses per request on a stream (a streaming runtime may answer more than once). */
  perRequest: number;
  /** Why `response` is not the answer to `request` (JSON on both sides); undefined when it is. */
  difference(request: unknown, response: unknown): string | undefined;
}

const echo = (name: string, request: fc.Arbitrary<Record<string, unknown>>, perRequest = 1): FuzzModel => ({
  name,
  request,
  perRequest,
  difference: (req, res) => echoDifference(req, res, name),
});

/** The fuzz models (test/fixtures/fuzz). */
export const MODELS = {
  echo: echo('echo', echoRequest),
  typed: echo('typed', typedRequest),
  words: echo('words', echoRequest, 2),
  frames: {
    name: 'frames',
    request: audioRequest,
    perRequest: 1,
    difference(request, response) {
      const problem = responseProblem(response, 'frames');
      if (problem) return problem;
      const audio = (request as { inputs?: { name?: unknown; data?: unknown }[] }).inputs?.find(
        (i) => i?.name === 'audio',
      );
      const expected = Array.isArray(audio?.data) ? audio.data.flat(Number.POSITIVE_INFINITY).length : 1;
      const count = (response as { outputs: { data: unknown[] }[] }).outputs[0]?.data[0];
      return count === expected ? undefined : `count ${String(count)}, not ${expected}`;
    },
  },
  /** The bundled ONNX model: any well-formed answer with one row per input row. */
  iris: {
    name: 'iris-classifier',
    request: irisRequest,
    perRequest: 1,
    difference(request, response) {
      const problem = responseProblem(response, 'iris-classifier');
      if (problem) return problem;
      const features = (request as { inputs?: { name?: unknown; shape?: unknown }[] }).inputs?.find(
        (i) => i?.name === 'features',
      );
      const rows = Array.isArray(features?.shape) ? features.shape[0] : undefined;
      const label = (response as { outputs: { name: string; shape: number[] }[] }).outputs.find(
        (o) => o.name === 'label',
      );
      return rows === undefined || label?.shape[0] === rows
        ? undefined
        : `label rows ${label?.shape[0]}, not ${rows}`;
    },
  },
} satisfies Record<string, FuzzModel>;
