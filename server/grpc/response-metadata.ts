import { Metadata } from '@grpc/grpc-js';

/** Response headers a runtime set (`parameters.headers`) as gRPC metadata; none gives undefined. */
export function headersMetadata(headers: Record<string, string>): Metadata | undefined {
  const entries = Object.entries(headers);
  if (entries.length === 0) return undefined;
  const metadata = new Metadata();
  for (const [name, value] of entries) {
    const key = name.toLowerCase();
    // Binary metadata needs Buffer values; a runtime's header is text, so it is skipped.
    if (!key.endsWith('-bin')) metadata.set(key, value);
  }
  return metadata;
}
