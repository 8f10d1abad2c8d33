import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Debian's interpreter, which sees python3-grpcio and python3-protobuf (a pyenv `python3` may not). */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** The buf binary that `@bufbuild/buf` installs from the npm registry. */
export const BUF = path.join(root, 'node_modules/.bin/buf');

/** Runs a program to its end; resolves with stdout, rejects with stderr in the message. */
export function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: root, timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${err.message}\n${stderr}`))
          : resolve(stdout),
    );
    child.stdin!.end(input ?? '');
  });
}

/** Runs one of test/grpc/python/*.py against a target and parses the JSON it prints. */
export async function runPython<T = Record<string, unknown>>(script: string, target: string): Promise<T> {
  return JSON.parse(await run(PYTHON, [path.join(here, 'python', script), target])) as T;
}

/** `buf curl` over plaintext HTTP/2 (gRPC) to `url`; `body` is its `-d` (several messages for a stream). */
export async function bufCurl(url: string, body?: string, extra: string[] = []): Promise<string> {
  const args = ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...extra];
  if (body !== undefined) args.push('-d', '@-');
  return run(BUF, [...args, url], body);
}

/** The JSON messages `buf curl` printed (one object per response, pretty-printed back to back). */
export function bufMessages(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < stdout.length; i++) {
    const c = stdout[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' && depth++ === 0) start = i;
    else if (c === '}' && --depth === 0) out.push(JSON.parse(stdout.slice(start, i + 1)));
  }
  return out;
}
