/** A decoded WAV file: mono samples and their rate. */
export interface Wav {
  sampleRate: number;
  /** 16-bit PCM files as Int16Array, 32-bit float files as Float32Array. */
  samples: Int16Array | Float32Array;
}

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/**
 * Reads a RIFF/WAVE file: mono, 16-bit PCM or 32-bit float (plain or WAVE_FORMAT_EXTENSIBLE).
 * Throws a message that says what the file holds when it is anything else.
 */
export function parseWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new Error('not a WAV file (no RIFF/WAVE header)');
  }
  let format: { code: number; channels: number; rate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16) throw new Error('WAV fmt chunk is too short');
      let code = view.getUint16(body, true);
      if (code === EXTENSIBLE && size >= 26) code = view.getUint16(body + 24, true);
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      const { code, channels, rate, bits } = format;
      if (channels !== 1) throw new Error(`WAV has ${channels} channels; send mono audio`);
      const end = Math.min(body + size, bytes.length);
      // A copy, aligned for the typed-array views below (Buffer#slice would return a view).
      const data = Uint8Array.prototype.slice.call(bytes, body, end);
      if (code === PCM && bits === 16) {
        return { sampleRate: rate, samples: new Int16Array(data.buffer, 0, data.length >> 1) };
      }
      if (code === IEEE_FLOAT && bits === 32) {
        return { sampleRate: rate, samples: new Float32Array(data.buffer, 0, data.length >> 2) };
      }
      throw new Error(`WAV holds format ${code} with ${bits}-bit samples; send 16-bit PCM or 32-bit float`);
    }
    offset = body + size + (size & 1); // chunks are padded to an even length
  }
  throw new Error('WAV file has no data chunk');
}
