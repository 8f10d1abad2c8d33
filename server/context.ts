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
  /**
   * When the server traces (setting `tracing_server`): the W3C `traceparent` of the span of this
   * runtime call, to make the runtime's own spans (or the calls it makes) its children. The
   * client's own `traceparent`, if it sent one, is in `headers`.
   */
  readonly traceparent?: string;
}
