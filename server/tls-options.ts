import { readFileSync } from 'node:fs';
import { createSecureContext, type TlsOptions } from 'node:tls';
import type { AccessSettings } from './settings/security-settings.js';

type TlsFileSettings = Pick<AccessSettings, 'tls_cert_file' | 'tls_key_file' | 'tls_ca_file'>;

/**
 * The TLS options REST and gRPC serve with, read from the PEM files the settings name; undefined
 * when TLS is off. With `tls_ca_file`, clients must present a certificate that CA signed
 * (mutual TLS): a connection without one fails its handshake. TLS 1.2 at least.
 */
export function readTlsOptions(settings: TlsFileSettings): TlsOptions | undefined {
  if (!settings.tls_cert_file || !settings.tls_key_file) return undefined;
  const ca = settings.tls_ca_file ? readFileSync(settings.tls_ca_file) : undefined;
  return {
    cert: readFileSync(settings.tls_cert_file),
    key: readFileSync(settings.tls_key_file),
    ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
    minVersion: 'TLSv1.2',
  };
}

/**
 * Problems with the TLS settings, checked at start-up before any port is bound: a certificate
 * without its key (or the reverse), a CA without a certificate, files that cannot be read, and
 * PEM content Node cannot use (a key that does not match the certificate included). Each names
 * its field; file contents are never quoted.
 */
export function tlsSettingsProblems(settings: TlsFileSettings): string[] {
  const { tls_cert_file: cert, tls_key_file: key, tls_ca_file: ca } = settings;
  if (!cert && !key && !ca) return [];
  const problems: string[] = [];
  if (!cert || !key)
    problems.push(
      `${cert ? 'tls_key_file' : 'tls_cert_file'}: required when ${cert ? 'tls_cert_file' : 'tls_key_file'} is set`,
    );
  if (ca && !cert)
    problems.push(
      'tls_ca_file: needs tls_cert_file and tls_key_file (the server must serve TLS to verify clients)',
    );
  for (const [field, file] of [
    ['tls_cert_file', cert],
    ['tls_key_file', key],
    ['tls_ca_file', ca],
  ] as const) {
    if (!file) continue;
    try {
      readFileSync(file);
    } catch (err) {
      problems.push(`${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (problems.length > 0) return problems;
  try {
    createSecureContext(readTlsOptions(settings));
  } catch (err) {
    problems.push(`tls_cert_file, tls_key_file, tls_ca_file: not usable PEM: ${(err as Error).message}`);
  }
  return problems;
}
