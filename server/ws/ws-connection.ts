import type { RawData, WebSocket } from 'ws';
import type { Call } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { InferenceServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { takeResponseHeaders } from '../response-headers.js';
import type { Session } from '../session.js';
import type { JsonRequestOptions } from '../wire/json-request.js';
import { readJsonRequestBody } from '../wire/json-request.js';
import { toJsonResponse } from '../wire/json-response.js';
import { WS_CLOSE_CODE, WS_NORMAL_CLOSE } from './ws-close-codes.js';
import { sendText } from './ws-output.js';

/** Messages read but not yet in the session's queue past which the socket is paused. */
const PAUSE_AT = 4;

/** What a connection needs besides its socket, call and session. */
export interface WsConnectionOptions {
  dataplane: DataPlane;
  logger: Logger;
  /** Limits of a JSON message's decoded tensors. */
  json: JsonRequestOptions;
}

/**
 * One WebSocket session: each text message is an InferenceRequest in JSON, each binary message
 * the raw bytes of the model's streaming input, an empty message ends the input; each response
 * is a text message (its InferenceResponse in JSON). A request that cannot be used is answered
 * `{"error", "id"}` and the session goes on; a failure of the session sends `{"error"}` and closes
 * with the code `WS_CLOSE_CODE` gives it; the end of the session closes with 1000. Reading stops
 * while the session's queue is full (backpressure both ways: see `sendText`).
 */
export function serveConnection(
  ws: WebSocket,
  call: Call,
  session: Session,
  options: WsConnectionOptions,
): void {
  let over = false;
  ws.on('error', () => undefined);
  ws.on('close', (code: number) => {
    if (!over) call.clientGone();
    call.status ??= code;
    call.end();
  });
  readRequests(ws, session, call, options);
  void writeResponses(ws, session, call, options).finally(() => {
    over = true;
  });
}

function readRequests(ws: WebSocket, session: Session, call: Call, options: WsConnectionOptions): void {
  let backlog = 0;
  let chain = Promise.resolve();
  ws.on('message', (data: RawData, isBinary: boolean) => {
    backlog++;
    if (backlog >= PAUSE_AT && !ws.isPaused) ws.pause();
    chain = chain
      .then(() => handleMessage(ws, session, call, bytesOf(data), isBinary, options))
      .finally(() => {
        backlog--;
        if (ws.isPaused && backlog < PAUSE_AT) ws.resume();
      });
  });
}

async function handleMessage(
  ws: WebSocket,
  session: Session,
  call: Call,
  bytes: Uint8Array,
  isBinary: boolean,
  options: WsConnectionOptions,
): Promise<void> {
  if (session.signal.aborted) return;
  if (bytes.byteLength === 0) {
    session.end();
    return;
  }
  let id: unknown;
  try {
    const body = isBinary
      ? options.dataplane.frameRequest(session, bytes)
      : readJsonRequestBody(bytes, { ...options.json, what: 'message' });
    id = (body as { id?: unknown }).id;
    await session.send(body);
  } catch (err) {
    if (session.signal.aborted) return;
    const error = InferenceServerError.from(err);
    const text = JSON.stringify(
      typeof id === 'string' ? { error: error.message, id } : { error: error.message },
    );
    call.bytesOut += text.length;
    await sendText(ws, text);
  }
}

async function writeResponses(
  ws: WebSocket,
  session: Session,
  call: Call,
  options: WsConnectionOptions,
): Promise<void> {
  const send = (text: string) => {
    call.bytesOut += text.length;
    return sendText(ws, text);
  };
  let code = WS_NORMAL_CLOSE;
  let reason = 'session ended';
  try {
    for await (const output of session.responses) {
      if (ws.readyState !== ws.OPEN) break;
      if (output.error) {
        await send(JSON.stringify({ error: output.error.message, id: output.requestId }));
        continue;
      }
      const { response } = takeResponseHeaders(output.response);
      await send(JSON.stringify(toJsonResponse(response)));
    }
  } catch (err) {
    const error = InferenceServerError.from(err);
    if (error.code !== 'cancelled') {
      options.logger.debug(`WebSocket session ${session.id} ended: ${error.message}`);
      await send(JSON.stringify({ error: error.message }));
    }
    code = WS_CLOSE_CODE[error.code];
    reason = error.message;
  } finally {
    call.status = code;
    if (ws.readyState === ws.OPEN) ws.close(code, closeReason(reason));
  }
}

/** A close frame's reason holds at most 123 bytes of UTF-8. */
function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text.slice(0, 120);
  while (Buffer.byteLength(`${cut}…`) > 123) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A message's bytes, whatever shape `ws` delivered them in. */
function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
