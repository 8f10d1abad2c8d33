/**
 * `npm run bench:asr`: what one PocketSphinx decoder costs (examples/asr), measured in this
 * process with the runtime's own classes: the time to create a decoder, and decoding speed as
 * CPU seconds per second of audio (x real time on one core; below 1 is faster than real time),
 * with and without partial transcripts. Prints a table and a JSON record.
 *
 * Needs Debian's libpocketsphinx3, pocketsphinx-en-us and pocketsphinx-testdata.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_DECODER_ARGS, Decoder, loadPocketSphinx } from '../examples/asr/pocketsphinx.js';
import { Recognizer } from '../examples/asr/recognizer.js';
import { parseWav } from '../examples/audio/wav.js';

const TESTDATA = '/usr/share/pocketsphinx/test/data';
const ROUNDS = Number(process.argv[2] ?? 3);

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage(); // every thread of the process, the libuv pool's too
  return (user + system) / 1e6;
}

function corpus(): { name: string; pcm: Int16Array }[] {
  const librivox = `${TESTDATA}/librivox`;
  const files = readdirSync(librivox)
    .filter((f) => f.endsWith('.wav'))
    .map((f) => ({ name: f, pcm: parseWav(readFileSync(`${librivox}/${f}`)).samples as Int16Array }));
  const raw = readFileSync(`${TESTDATA}/goforward.raw`);
  files.push({ name: 'goforward.raw', pcm: new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1) });
  return files;
}

async function transcribe(pcm: Int16Array, partials: boolean): Promise<void> {
  const decoder = await Decoder.create(DEFAULT_DECODER_ARGS);
  try {
    const recognizer = new Recognizer(decoder, {
      blockSamples: 2048,
      frameRate: 100,
      partials,
      endpointing: 'decoder',
    });
    await recognizer.start();
    for (let at = 0; at < pcm.length; at += 960)
      for await (const _ of recognizer.write(pcm.subarray(at, at + 960)));
    for await (const _ of recognizer.end());
  } finally {
    await decoder.free();
  }
}

async function main(): Promise<void> {
  loadPocketSphinx();
  const files = corpus();
  const audioSeconds = files.reduce((s, f) => s + f.pcm.length / 16000, 0);

  // Decoder creation, one at a time (wall and CPU per decoder), then freed.
  const inits: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const cpu = cpuSeconds();
    const t = performance.now();
    const decoder = await Decoder.create(DEFAULT_DECODER_ARGS);
    inits.push({ wall: (performance.now() - t) / 1000, cpu: cpuSeconds() - cpu });
    await decoder.free();
  }
  const initCpu = inits.slice(1).reduce((s, x) => s + x.cpu, 0) / (inits.length - 1);
  const initWall = inits.slice(1).reduce((s, x) => s + x.wall, 0) / (inits.length - 1);

  const speed: Record<string, number> = {};
  for (const partials of [false, true]) {
    let cpu = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const file of files) {
        const before = cpuSeconds();
        await transcribe(file.pcm, partials);
        cpu += cpuSeconds() - before;
      }
    }
    // Decoder creation is part of each transcription above; count decoding only.
    speed[partials ? 'with partials' : 'finals only'] =
      (cpu - initCpu * files.length * ROUNDS) / (audioSeconds * ROUNDS);
  }

  const rows = [
    ['decoder creation (wall)', `${(initWall * 1000).toFixed(0)} ms`],
    ['decoder creation (CPU)', `${(initCpu * 1000).toFixed(0)} ms`],
    ...Object.entries(speed).map(([k, v]) => [
      `decoding, ${k}`,
      `${v.toFixed(3)} x real time per core (${(1 / v).toFixed(1)} streams per core)`,
    ]),
  ];
  console.log(
    `PocketSphinx en-us, ${files.length} files, ${audioSeconds.toFixed(1)} s of audio, ${ROUNDS} rounds`,
  );
  for (const [k, v] of rows) console.log(`  ${k!.padEnd(28)} ${v}`);
  console.log(
    JSON.stringify({
      audioSeconds,
      rounds: ROUNDS,
      initWallSeconds: initWall,
      initCpuSeconds: initCpu,
      xRealTimePerCore: speed,
    }),
  );
}

await main();
