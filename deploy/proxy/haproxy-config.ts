import { readFile } from 'node:fs/promises';

/** The config template beside this file. */
export const HAPROXY_TEMPLATE = new URL('./haproxy.cfg.template', import.meta.url);

/** One mlserver-ts replica as the proxy reaches it on loopback. */
export interface ReplicaPorts {
  /** The server's name in HAProxy (and in the `x-served-by` response header). */
  name: string;
  http_port: number;
  grpc_port: number;
}

/** What the template needs. */
export interface HaproxyConfigOptions {
  /** HAProxy's `bind` argument: `fd@3` for a socket the rig bound, or `host:port`. */
  bind: string;
  /** The runtime API socket (`show stat`). */
  statsSocket: string;
  replicas: ReplicaPorts[];
  /** How often the readiness check runs, in HAProxy's time format (`1s`, `250ms`). */
  checkInterval?: string;
}

/**
 * Fills the template: `{{field}}` takes the option of that name, and a line holding
 * `{{replica.field}}` is written once per replica.
 */
export function renderHaproxyConfig(template: string, options: HaproxyConfigOptions): string {
  const fields: Record<string, string> = {
    bind: options.bind,
    stats_socket: options.statsSocket,
    check_interval: options.checkInterval ?? '1s',
  };
  const fill = (line: string, values: Record<string, string | number>, prefix = '') =>
    line.replace(new RegExp(`\\{\\{${prefix.replace('.', '\\.')}(\\w+)\\}\\}`, 'g'), (whole, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`haproxy template: nothing to fill ${whole} with`);
      return String(value);
    });
  return template
    .split('\n')
    .flatMap((line) =>
      line.includes('{{replica.')
        ? options.replicas.map((replica) => fill(line, { ...replica }, 'replica.'))
        : [fill(line, fields)],
    )
    .join('\n');
}

/** Reads the template beside this file and fills it. */
export async function haproxyConfig(options: HaproxyConfigOptions): Promise<string> {
  return renderHaproxyConfig(await readFile(HAPROXY_TEMPLATE, 'utf8'), options);
}
