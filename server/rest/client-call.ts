import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Call, Transport } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { headerRecord } from '../wire/http-headers.js';

/**
 * Starts the core's call for an HTTP request: its headers and the body's id go to the core (which
 * owns the id rule); a client that closes the connection before the response is finished is
 * reported as gone.
 */
export function startCall(
  dataplane: DataPlane,
  transport: Transport,
  req: IncomingMessage,
  res: ServerResponse,
  bodyId: unknown,
): Call {
  const call = dataplane.call({ transport, headers: headerRecord(req.headers), bodyId });
  res.once('close', () => {
    if (!res.writableFinished) call.clientGone();
    call.end();
  });
  return call;
}
