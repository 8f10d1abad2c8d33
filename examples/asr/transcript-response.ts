import type { InferenceResponse, ResponseOutput } from 'mlserver-ts';
import type { Transcript } from './recognizer.js';

/**
 * Transcripts as one inference response, every output one element per transcript except the
 * word outputs, which hold every word of those transcripts in order:
 *
 * | output | datatype | shape | |
 * | --- | --- | --- | --- |
 * | `text` | BYTES | [n] | the transcript |
 * | `is_final` | BOOL | [n] | false while the utterance goes on, true when it has ended |
 * | `utterance` | INT32 | [n] | the utterance's index in the stream (0, 1, …) |
 * | `start`, `end` | FP64 | [n] | the utterance's span so far, seconds from the start of the stream |
 * | `words` | BYTES | [k] | its words |
 * | `word_start`, `word_end` | FP64 | [k] | each word's span, seconds from the start of the stream |
 *
 * A streamed response holds one transcript (n = 1; a Triton sequence step: those its audio
 * produced, n ≥ 0); `predict` returns every final one, with `items` when given:
 *
 * | `item` | INT32 | [n] | the batch element (the WAV file of a BYTES batch) each transcript belongs to |
 */
export function transcriptResponse(
  model: string,
  transcripts: readonly Transcript[],
  items?: readonly number[],
): InferenceResponse {
  const words = transcripts.flatMap((t) => t.words);
  const n = transcripts.length;
  const outputs: ResponseOutput[] = [
    { name: 'text', datatype: 'BYTES', shape: [n], data: transcripts.map((t) => t.text), parameters: STR },
    { name: 'is_final', datatype: 'BOOL', shape: [n], data: transcripts.map((t) => t.isFinal) },
    { name: 'utterance', datatype: 'INT32', shape: [n], data: transcripts.map((t) => t.utterance) },
    { name: 'start', datatype: 'FP64', shape: [n], data: transcripts.map((t) => t.start) },
    { name: 'end', datatype: 'FP64', shape: [n], data: transcripts.map((t) => t.end) },
    {
      name: 'words',
      datatype: 'BYTES',
      shape: [words.length],
      data: words.map((w) => w.word),
      parameters: STR,
    },
    { name: 'word_start', datatype: 'FP64', shape: [words.length], data: words.map((w) => w.start) },
    { name: 'word_end', datatype: 'FP64', shape: [words.length], data: words.map((w) => w.end) },
  ];
  if (items) outputs.push({ name: 'item', datatype: 'INT32', shape: [n], data: [...items] });
  return { model_name: model, outputs };
}

const STR = { content_type: 'str' };
