import type { Parameters, RequestInput, ResponseOutput } from '../types.js';

/**
 * An input codec (MLServer's "content type" on one tensor): turns a tensor into a JavaScript
 * value and back. Register your own with `registerInputCodec`.
 */
export interface InputCodec<T = unknown> {
  /** The `content_type` parameter value this codec answers to. */
  readonly contentType: string;
  /** The value a request input holds. */
  decodeInput(input: RequestInput): T;
  /** A response output holding `payload`. */
  encodeOutput(name: string, payload: T, parameters?: Parameters): ResponseOutput;
  /** Whether `encodeResponse` should pick this codec for a value of unknown type. */
  canEncode?(payload: unknown): boolean;
}

/**
 * A request codec (MLServer's request-level content type, such as `pd`): turns a whole request
 * into one value, and one value into a whole response.
 */
export interface RequestCodec<T = unknown> {
  readonly contentType: string;
  decodeRequest(request: { inputs: RequestInput[]; parameters?: Parameters }): T;
  encodeResponse(payload: T): { outputs: ResponseOutput[]; parameters?: Parameters };
  canEncode?(payload: unknown): boolean;
}
