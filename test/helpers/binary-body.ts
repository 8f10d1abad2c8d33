/**
 * Builds Triton binary-extension bodies by hand, from the published framing: a JSON header of
 * `Inference-Header-Content-Length` bytes, then each binary tensor's bytes in input order.
 */
export function binaryBody(header: unknown, ...blobs: Uint8Array[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, ...blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))]),
    headerLength: json.byteLength,
  };
}

/** Little-endian bytes of FP32 values, written with DataView (not with the server's codec). */
export function fp32Bytes(...values: number[]): Uint8Array {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (const [i, v] of values.entries()) view.setFloat32(i * 4, v, true);
  return new Uint8Array(view.buffer);
}

/** BYTES elements framed with 4-byte little-endian lengths. */
export function bytesElements(...elements: Uint8Array[]): Uint8Array {
  const total = elements.reduce((n, e) => n + 4 + e.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const e of elements) {
    view.setUint32(offset, e.byteLength, true);
    out.set(e, offset + 4);
    offset += 4 + e.byteLength;
  }
  return out;
}

/** Splits a binary-extension response into its JSON header and the bytes after it. */
export async function readBinaryResponse(
  res: Response,
): Promise<{ header: Record<string, unknown>; rest: Buffer }> {
  const buffer = Buffer.from(await res.arrayBuffer());
  const length = Number(res.headers.get('inference-header-content-length') ?? buffer.byteLength);
  return { header: JSON.parse(buffer.subarray(0, length).toString('utf8')), rest: buffer.subarray(length) };
}

/** POSTs a binary-extension body. */
export function postBinary(
  url: string,
  body: Buffer,
  headerLength: number,
  contentType = 'application/octet-stream',
) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'inference-header-content-length': String(headerLength) },
    body,
  });
}
