import koffi, { type LibraryHandle } from 'koffi';

/**
 * CMU PocketSphinx 5prealpha (Debian's `libpocketsphinx3`, `libsphinxbase3`) through koffi.
 *
 * Only the calls a streaming recogniser needs. Every call that can take more than a few
 * microseconds runs with koffi's `.async()`, which queues it on the libuv thread pool
 * (`napi_create_async_work`), so decoding never blocks the event loop. A `ps_decoder_t` is not
 * thread-safe: a `Decoder` allows one call at a time and throws if a second one starts.
 */

/** Debian's en-us model (package `pocketsphinx-en-us`). */
export const DEBIAN_EN_US = '/usr/share/pocketsphinx/model/en-us';

/** The decoder arguments used when the model settings give none: Debian's en-us model. */
export const DEFAULT_DECODER_ARGS: Readonly<Record<string, string>> = {
  '-hmm': `${DEBIAN_EN_US}/en-us`,
  '-lm': `${DEBIAN_EN_US}/en-us.lm.bin`,
  '-dict': `${DEBIAN_EN_US}/cmudict-en-us.dict`,
};

/** One word of a hypothesis with its frames (inclusive), as `ps_seg_frames` reports them. */
export interface Segment {
  word: string;
  startFrame: number;
  endFrame: number;
}

type Fn = ReturnType<LibraryHandle['func']>;
type Callback = (err: unknown, result: unknown) => void;

interface Api {
  cmdLnParse: Fn;
  cmdLnFree: Fn;
  psArgs: Fn;
  psInit: Fn;
  psFree: Fn;
  startStream: Fn;
  startUtt: Fn;
  endUtt: Fn;
  processRaw: Fn;
  inSpeech: Fn;
  getHyp: Fn;
  segIter: Fn;
  segNext: Fn;
  segWord: Fn;
  segFrames: Fn;
}

let api: Api | undefined;

/**
 * Opens the shared libraries once per process and silences sphinxbase's logging (it writes
 * hundreds of INFO lines per decoder to stderr). Throws a message that says what to install.
 */
export function loadPocketSphinx(): void {
  if (api) return;
  let sb: LibraryHandle;
  let ps: LibraryHandle;
  try {
    sb = koffi.load('libsphinxbase.so.3');
    ps = koffi.load('libpocketsphinx.so.3');
  } catch (err) {
    throw new Error(
      `PocketSphinx is not installed (${(err as Error).message}); on Debian/Ubuntu: apt-get install libpocketsphinx3 pocketsphinx-en-us`,
    );
  }
  for (const name of ['cmd_ln_t', 'arg_t', 'ps_decoder_t', 'ps_seg_t']) declareOpaque(name);
  sb.func('void err_set_logfp(void *fp)')(null);
  api = {
    cmdLnParse: sb.func(
      'cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *inout, const arg_t *defn, int argc, const char **argv, int strict)',
    ),
    cmdLnFree: sb.func('int cmd_ln_free_r(cmd_ln_t *config)'),
    psArgs: ps.func('const arg_t *ps_args()'),
    psInit: ps.func('ps_decoder_t *ps_init(cmd_ln_t *config)'),
    psFree: ps.func('int ps_free(ps_decoder_t *ps)'),
    startStream: ps.func('int ps_start_stream(ps_decoder_t *ps)'),
    startUtt: ps.func('int ps_start_utt(ps_decoder_t *ps)'),
    endUtt: ps.func('int ps_end_utt(ps_decoder_t *ps)'),
    processRaw: ps.func(
      'int ps_process_raw(ps_decoder_t *ps, const int16_t *data, size_t n, int no_search, int full_utt)',
    ),
    inSpeech: ps.func('uint8_t ps_get_in_speech(ps_decoder_t *ps)'),
    getHyp: ps.func('const char *ps_get_hyp(ps_decoder_t *ps, _Out_ int32_t *score)'),
    segIter: ps.func('ps_seg_t *ps_seg_iter(ps_decoder_t *ps)'),
    segNext: ps.func('ps_seg_t *ps_seg_next(ps_seg_t *seg)'),
    segWord: ps.func('const char *ps_seg_word(ps_seg_t *seg)'),
    segFrames: ps.func('void ps_seg_frames(ps_seg_t *seg, _Out_ int *sf, _Out_ int *ef)'),
  };
}

/**
 * Declares a named opaque C type once per process: koffi's type names are global, while this
 * module may be instantiated more than once (every model that uses it imports its own copy).
 */
function declareOpaque(name: string): void {
  try {
    koffi.type(name);
  } catch {
    koffi.opaque(name);
  }
}

function loaded(): Api {
  if (!api) throw new Error('loadPocketSphinx() has not been called');
  return api;
}

function callAsync(fn: Fn, ...args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback: Callback = (err, result) => (err ? reject(err) : resolve(result));
    fn.async(...args, callback);
  });
}

/** Turns `{"-hmm": "…"}` into pocketsphinx's argv form. */
export function toArgv(args: Readonly<Record<string, string>>): string[] {
  return Object.entries(args).flat();
}

/** One PocketSphinx decoder: one stream of audio at a time, one call at a time. */
export class Decoder {
  private handle: unknown;
  private inFlight: Promise<unknown> | undefined;

  private constructor(handle: unknown) {
    this.handle = handle;
  }

  /**
   * Creates a decoder (about 0.3 s of CPU and 90 MB for the en-us model) on the thread pool.
   * `args` are pocketsphinx command-line arguments (`-hmm`, `-lm`, `-dict`, `-samprate`, …).
   */
  static async create(args: Readonly<Record<string, string>>): Promise<Decoder> {
    const lib = loaded();
    const argv = toArgv(args);
    const config = lib.cmdLnParse(null, lib.psArgs(), argv.length, argv, 1);
    if (!config) throw new Error(`pocketsphinx rejected the decoder arguments ${argv.join(' ')}`);
    // ps_init retains the configuration, so it is released here whether or not init succeeds.
    const handle = await callAsync(lib.psInit, config).finally(() => lib.cmdLnFree(config));
    if (!handle) {
      throw new Error(
        `pocketsphinx could not create a decoder from ${argv.join(' ')} (are the model files there?)`,
      );
    }
    return new Decoder(handle);
  }

  private live(): unknown {
    if (this.handle === undefined) throw new Error('the decoder has been freed');
    if (this.inFlight) throw new Error('a decoder call is already running (a decoder serves one stream)');
    return this.handle;
  }

  private async run<T>(fn: Fn, ...args: unknown[]): Promise<T> {
    const handle = this.live();
    const call = callAsync(fn, handle, ...args);
    this.inFlight = call;
    try {
      return (await call) as T;
    } finally {
      this.inFlight = undefined;
    }
  }

  private check(rv: number, what: string): void {
    if (rv < 0) throw new Error(`pocketsphinx ${what} failed (${rv})`);
  }

  /** Resets the stream clock (segment frames count from here) and the noise estimate. */
  async startStream(): Promise<void> {
    this.check(await this.run<number>(loaded().startStream), 'ps_start_stream');
  }

  /** Starts an utterance. */
  async startUtterance(): Promise<void> {
    this.check(await this.run<number>(loaded().startUtt), 'ps_start_utt');
  }

  /** Decodes 16-bit samples; returns the number of frames searched. Keep `pcm` unchanged until it resolves. */
  async process(pcm: Int16Array): Promise<number> {
    const frames = await this.run<number>(loaded().processRaw, pcm, pcm.length, 0, 0);
    this.check(frames, 'ps_process_raw');
    return frames;
  }

  /** Ends the utterance (runs the remaining search passes). */
  async endUtterance(): Promise<void> {
    this.check(await this.run<number>(loaded().endUtt), 'ps_end_utt');
  }

  /** Whether pocketsphinx's own voice-activity detector was in speech after the last block. */
  inSpeech(): boolean {
    return loaded().inSpeech(this.live()) !== 0;
  }

  /** The best hypothesis so far (partial during an utterance, final after it); '' when none. */
  async hypothesis(): Promise<string> {
    const text = await this.run<string | null>(loaded().getHyp, [0]);
    return text ?? '';
  }

  /** The words of the current hypothesis with their frames (call after `hypothesis`). */
  segments(): Segment[] {
    const lib = loaded();
    const out: Segment[] = [];
    let seg = lib.segIter(this.live());
    while (seg) {
      const sf = [0];
      const ef = [0];
      lib.segFrames(seg, sf, ef);
      out.push({ word: lib.segWord(seg) as string, startFrame: sf[0]!, endFrame: ef[0]! });
      // ps_seg_next frees the iterator when it returns NULL.
      seg = lib.segNext(seg);
    }
    return out;
  }

  /** Frees the decoder once any running call has finished. Safe to call twice. */
  async free(): Promise<void> {
    if (this.handle === undefined) return;
    await this.inFlight?.catch(() => undefined);
    const handle = this.handle;
    this.handle = undefined;
    await callAsync(loaded().psFree, handle);
  }
}
