import type { Request, Response } from 'express';
import type { Call, Transport } from '../call.js';
import type { DataPlane } from '../dataplane.js';
import { headerRecord } from '../wire/http-headers.js';

/**
 * Starts the core's call for an HTTP request: its headers, route and the body's id go to the core
 * (which owns the id rule); when the response is over, its status and the bytes written are
 * recorded and the call ends; a client that closed the connection first is reported as gone.
 */
export function startCall(
  dataplane: DataPlane,
  transport: Transport,
  req: Request,
  res: Response,
  bodyId: unknown,
): Call {
  const route = typeof req.route?.path === 'string' ? req.route.path : req.path;
  const call = dataplane.call({
    transport,
    operation: `${req.method} ${route}`,
    headers: headerRecord(req.headers),
    bodyId,
  });
  const written = req.socket.bytesWritten;
  res.once('close', () => {
    if (!res.writableFinished) call.clientGone();
    call.status = res.statusCode;
    call.bytesOut = req.socket.bytesWritten - written;
    call.end();
  });
  return call;
}
