import type { InferenceResponse } from 'mlserver-ts';
import type { SpeechEvent } from './speech-detector.js';

/**
 * Speech events as one inference response: `event` BYTES [n] (`speech_start` or `speech_end`)
 * and `time` FP64 [n] (seconds from the start of the stream, millisecond precision).
 */
export function eventResponse(
  model: string,
  events: readonly SpeechEvent[],
  sampleRate: number,
): InferenceResponse {
  return {
    model_name: model,
    outputs: [
      {
        name: 'event',
        datatype: 'BYTES',
        shape: [events.length],
        data: events.map((e) => e.type),
        parameters: { content_type: 'str' },
      },
      {
        name: 'time',
        datatype: 'FP64',
        shape: [events.length],
        data: events.map((e) => Math.round((e.sample / sampleRate) * 1000) / 1000),
      },
    ],
  };
}
