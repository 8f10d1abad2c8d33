import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What `commandLine` parses: `values` typed by the options, and the positional arguments. */
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>
>;

/**
 * A client's command line: its options and positional arguments. `--help` (`-h`) prints the
 * usage and exits 0; an unknown option or a missing value prints the problem and the usage and
 * exits 2 (instead of a stack trace).
 */
export function commandLine<const O extends Options>(usage: string, options: O): Parsed<O> {
  const args = process.argv.slice(2);
  const end = args.indexOf('--');
  const flags = end >= 0 ? args.slice(0, end) : args;
  if (flags.includes('--help') || flags.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}
