import type { IncomingHttpHeaders } from 'node:http';

/** HTTP request headers as a record of strings (repeated headers joined with ", "), lower-case names. */
export function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) record[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return record;
}
