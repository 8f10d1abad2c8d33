/**
 * What a runtime learns about the request besides its payload, and the signal that tells it to stop.
 */
export interface InferenceContext {
  /** Fires when the client goes away, the deadline passes or the server shuts down. */
  readonly signal: AbortSignal;
  /** Request headers (HTTP) or metadata (gRPC), lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The request id: the client's, or one the server generated. */
  readonly requestId: string;
}
