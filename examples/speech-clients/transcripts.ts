/** One transcript of a speech model's response (the `asr`, `vad-asr` and `asr-wav` models' outputs). */
export interface Heard {
  text: string;
  isFinal: boolean;
  /** The utterance's index in the stream (0, 1, …). */
  utterance: number;
  /** Seconds from the start of the stream (or of the file). */
  start: number;
  end: number;
  /** The batch element (file) it belongs to, for `predict` on a batch; 0 otherwise. */
  item: number;
}

/** An output as it comes out of a JSON response, or decoded from gRPC. */
export interface OutputValues {
  name: string;
  data: ArrayLike<unknown>;
}

/** The transcripts of one response: one per element of `text` (n ≥ 0). */
export function transcriptsOf(outputs: readonly OutputValues[]): Heard[] {
  const get = (name: string) => Array.from(outputs.find((o) => o.name === name)?.data ?? []);
  const [text, isFinal, utterance, start, end, item] = [
    'text',
    'is_final',
    'utterance',
    'start',
    'end',
    'item',
  ].map(get) as [unknown[], unknown[], unknown[], unknown[], unknown[], unknown[]];
  return text.map((t, i) => ({
    text: typeof t === 'string' ? t : Buffer.from(t as Uint8Array).toString('utf8'),
    isFinal: isFinal[i] === true || isFinal[i] === 1,
    utterance: Number(utterance[i] ?? 0),
    start: Number(start[i] ?? 0),
    end: Number(end[i] ?? 0),
    item: Number(item[i] ?? 0),
  }));
}

/** A server message of a WebSocket or SSE stream: a response's transcripts, or an error. */
export function parseMessage(text: string): { heard: Heard[]; error?: string } {
  const message = JSON.parse(text) as { outputs?: OutputValues[]; error?: string };
  if (typeof message.error === 'string') return { heard: [], error: message.error };
  return { heard: transcriptsOf(message.outputs ?? []) };
}
