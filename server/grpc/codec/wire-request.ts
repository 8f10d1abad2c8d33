/**
 * What the wire codec hands grpc-js for a `ModelInferRequest`: the message's `model_name`,
 * `model_version` and `id` as own properties (only those present on the wire, as proto-loader
 * gave them, so handlers read and spread them as before) and, under `DECODED`, the core's request
 * body already built from the bytes. `requestFromProto` turns either shape into a
 * `DecodedRequest`.
 */

/** The key of the decoded body (a registered symbol: it survives copies of the module). */
export const DECODED: unique symbol = Symbol.for('mlserver-ts.grpc.decoded-infer-request');

/** The core's request, decoded from the wire, or why it could not be. */
export interface DecodedPayload {
  /** The request body in the core's shape (typed arrays for tensor data). */
  body: Record<string, unknown>;
  /** Whether the request carried `raw_input_contents`. */
  raw: boolean;
  /** The bytes are not a `ModelInferRequest`: reported before anything else. */
  malformed?: Error;
  /** The first problem with the contents (reported after `model_name` is checked, as before). */
  error?: unknown;
}
