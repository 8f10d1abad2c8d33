import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** PEM files made for one test run: a CA, a server certificate, client certificates. */
export interface TestCertificates {
  /** The CA that signed the server and the trusted client certificate. */
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate the CA signed. */
  clientCertFile: string;
  clientKeyFile: string;
  /** A client certificate from another CA, which the server must refuse. */
  rogueCertFile: string;
  rogueKeyFile: string;
  /** Reads one of the files above. */
  read(file: string): Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** Signs a new key's certificate with `caName`, with the given subject and extensions. */
function issue(dir: string, name: string, caName: string, subject: string, extensions: string): void {
  openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ],
    dir,
  );
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

function selfSignedCa(dir: string, name: string, subject: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

/**
 * Generates a CA, a server certificate for `localhost` and 127.0.0.1, a client certificate it
 * signed, and a client certificate from an unrelated CA, with the system's openssl, in `dir`.
 */
export function makeCertificates(dir: string): TestCertificates {
  selfSignedCa(dir, 'ca', '/CN=mlserver-ts test CA');
  selfSignedCa(dir, 'rogue-ca', '/CN=someone else');
  issue(
    dir,
    'server',
    'ca',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  issue(dir, 'client', 'ca', '/CN=trusted client', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'rogue', 'rogue-ca', '/CN=rogue client', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string) => path.join(dir, name);
  return {
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    rogueCertFile: file('rogue.crt'),
    rogueKeyFile: file('rogue.key'),
    read: (name) => readFileSync(name),
  };
}
