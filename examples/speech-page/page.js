// @ts-check
/**
 * The live speech page: streams a WAV file (or the microphone) as 60 ms frames of 16 kHz S16LE
 * over two WebSockets, one to the chosen recogniser (partial and final transcripts), one to the
 * `vad` model (speech segments drawn on the waveform). Plain browser JavaScript, no framework.
 */
import {
  eventsOf,
  FRAME_SAMPLES,
  FrameCutter,
  floatToInt16,
  parsePcmWav,
  peaks,
  Resampler,
  SAMPLE_RATE,
  segmentsOf,
  transcriptsOf,
} from './audio.js';

/** @typedef {import('./audio.js').SpeechEvent} SpeechEvent */

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

const ui = {
  model: /** @type {HTMLSelectElement} */ (element('model')),
  file: /** @type {HTMLInputElement} */ (element('file')),
  realtime: /** @type {HTMLInputElement} */ (element('realtime')),
  streamFile: /** @type {HTMLButtonElement} */ (element('stream-file')),
  microphone: /** @type {HTMLButtonElement} */ (element('microphone')),
  stop: /** @type {HTMLButtonElement} */ (element('stop')),
  canvas: /** @type {HTMLCanvasElement} */ (element('waveform')),
  status: element('status'),
  finals: element('finals'),
  partial: element('partial'),
  segments: element('segments'),
};

/** The server's root: the page lives at `<root>/examples/asr/` (its <base>). */
const apiRoot = new URL('../../', document.baseURI);
/** A token given to the page (`?access_token=`) is passed on to the WebSocket upgrades. */
const token = new URL(window.location.href).searchParams.get('access_token');

/** @param {string} model */
function socketUrl(model) {
  const url = new URL(`v2/models/${encodeURIComponent(model)}/infer_stream`, apiRoot);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('access_token', token);
  return url.href;
}

/**
 * @param {string} text
 * @param {'ready' | 'busy' | 'done' | 'error'} state
 */
function setStatus(text, state) {
  ui.status.textContent = text;
  ui.status.className = state === 'error' ? 'error' : '';
  document.body.dataset.state = state;
}

/**
 * Opens a model's stream; resolves once open.
 * @param {string} model
 * @param {(message: import('./audio.js').ServerMessage) => void} onMessage
 * @returns {Promise<{ socket: WebSocket, closed: Promise<CloseEvent> }>}
 */
function openStream(model, onMessage) {
  const socket = new WebSocket(socketUrl(model));
  const closed = new Promise((resolve) => socket.addEventListener('close', resolve));
  socket.addEventListener('message', (event) => onMessage(JSON.parse(String(event.data))));
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve({ socket, closed }));
    // A browser does not tell why an upgrade failed (a 401 looks like any other failure).
    const hint = token ? '' : ' (if the server needs a token, open this page with ?access_token=<token>)';
    socket.addEventListener('error', () => reject(new Error(`could not open the ${model} stream${hint}`)));
  });
}

/** One streaming run: the audio so far, both connections, what came back. */
class Run {
  /**
   * @param {string} model
   * @param {number | undefined} totalSamples the file's length (undefined for the microphone)
   */
  constructor(model, totalSamples) {
    this.model = model;
    this.totalSamples = totalSamples;
    /** @type {Int16Array[]} */
    this.sent = [];
    this.sentSamples = 0;
    /** @type {SpeechEvent[]} */
    this.events = [];
    this.finals = 0;
    this.stopped = false;
    /** @type {string[]} */
    this.errors = [];
    /** @type {{ socket: WebSocket, closed: Promise<CloseEvent> }[]} */
    this.streams = [];
  }

  async open() {
    this.streams.push(await openStream(this.model, (message) => this.onTranscripts(message)));
    this.streams.push(
      await openStream('vad', (message) => {
        if (message.error) this.errors.push(message.error);
        this.events.push(...eventsOf(message));
        drawSegments(this);
        draw(this);
      }),
    );
  }

  /** @param {import('./audio.js').ServerMessage} message */
  onTranscripts(message) {
    if (message.error) {
      this.errors.push(message.error);
      setStatus(`error: ${message.error}`, 'error');
    }
    for (const t of transcriptsOf(message)) {
      if (!t.isFinal) {
        ui.partial.textContent = t.text;
        continue;
      }
      ui.partial.textContent = '';
      if (t.text === '') continue;
      const item = document.createElement('li');
      const time = document.createElement('span');
      time.className = 'time';
      time.textContent = `${t.start.toFixed(2)}–${t.end.toFixed(2)} s`;
      item.append(time, t.text);
      ui.finals.append(item);
      this.finals++;
    }
  }

  /** @param {Int16Array} frame */
  send(frame) {
    for (const { socket } of this.streams) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    this.sent.push(frame);
    this.sentSamples += frame.length;
    draw(this);
  }

  /** Ends the audio (an empty frame on each connection) and waits until the server has closed both. */
  async finish() {
    for (const { socket } of this.streams) {
      if (socket.readyState === WebSocket.OPEN) socket.send(new ArrayBuffer(0));
    }
    const closes = await Promise.all(this.streams.map((s) => s.closed));
    const failed = closes.find((c) => c.code !== 1000);
    if (failed) throw new Error(`the server closed a stream with ${failed.code} ${failed.reason}`);
    if (this.errors.length > 0) throw new Error(this.errors.join('; '));
  }

  /** Closes what is still open (after a failure). */
  close() {
    for (const { socket } of this.streams) if (socket.readyState <= WebSocket.OPEN) socket.close();
  }
}

/** @type {Run | undefined} */
let current;
/** @type {Int16Array | undefined} */
let fileSamples;

/** @param {number} seconds */
function sleep(seconds) {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/**
 * Waveform (the file's whole outline, or the audio sent so far), what was sent, and the speech
 * segments as shaded spans.
 * @param {Run} run
 */
function draw(run) {
  const { canvas } = ui;
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height } = canvas;
  const total = run.totalSamples ?? Math.max(10 * SAMPLE_RATE, run.sentSamples);
  const x = (/** @type {number} */ seconds) => ((seconds * SAMPLE_RATE) / total) * width;
  context.clearRect(0, 0, width, height);
  context.fillStyle = 'rgba(46, 160, 67, 0.25)';
  for (const segment of segmentsOf(run.events)) {
    const end = segment.end ?? run.sentSamples / SAMPLE_RATE;
    context.fillRect(x(segment.start), 0, Math.max(1, x(end) - x(segment.start)), height);
  }
  const audio = fileSamples && run.totalSamples !== undefined ? fileSamples : joined(run.sent);
  const outline = peaks(audio, width, total);
  // Quiet recordings are drawn as loud as the canvas allows (the loudest peak at 90 % of it).
  const loudest = outline.reduce((m, [lo, hi]) => Math.max(m, -lo, hi), 1e-3);
  const gain = Math.max(1, 0.9 / loudest);
  const playhead = (run.sentSamples / total) * width;
  for (const [column, [lo, hi]] of outline.entries()) {
    context.fillStyle = column < playhead ? '#1f6feb' : '#b6c6dc';
    context.fillRect(column, (height / 2) * (1 - hi * gain), 1, Math.max(1, (height / 2) * (hi - lo) * gain));
  }
}

/** @param {Int16Array[]} parts */
function joined(parts) {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** @param {Run} run */
function drawSegments(run) {
  ui.segments.replaceChildren(
    ...segmentsOf(run.events).map(({ start, end }) => {
      const item = document.createElement('li');
      item.textContent = `speech ${start.toFixed(2)}–${end === undefined ? '…' : end.toFixed(2)} s`;
      return item;
    }),
  );
}

/**
 * A file's samples at 16 kHz mono 16-bit: a 16 kHz PCM WAV as it is (so the server hears the
 * same samples as from any other client); anything else decoded and resampled by the browser.
 * @param {File} file
 * @returns {Promise<Int16Array>}
 */
async function readFileSamples(file) {
  const buffer = await file.arrayBuffer();
  const pcm = parsePcmWav(buffer);
  if (pcm) return pcm;
  const decoded = await new AudioContext().decodeAudioData(buffer.slice(0));
  const length = Math.ceil(decoded.duration * SAMPLE_RATE);
  const offline = new OfflineAudioContext(1, length, SAMPLE_RATE);
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  const rendered = await offline.startRendering();
  return floatToInt16(rendered.getChannelData(0));
}

function resetOutput() {
  ui.finals.replaceChildren();
  ui.segments.replaceChildren();
  ui.partial.textContent = '';
}

/** @param {boolean} running */
function setRunning(running) {
  ui.streamFile.disabled = running || !fileSamples;
  ui.microphone.disabled = running;
  ui.stop.disabled = !running;
  ui.model.disabled = running;
}

async function streamFile() {
  if (!fileSamples) return;
  const samples = fileSamples;
  resetOutput();
  setRunning(true);
  const run = new Run(ui.model.value, samples.length);
  current = run;
  try {
    setStatus(`streaming to ${run.model}…`, 'busy');
    await run.open();
    const realtime = ui.realtime.checked;
    const started = performance.now();
    for (let at = 0, i = 0; at < samples.length && !run.stopped; at += FRAME_SAMPLES, i++) {
      if (realtime) {
        const due = started + ((i * FRAME_SAMPLES) / SAMPLE_RATE) * 1000 - performance.now();
        if (due > 0) await sleep(due / 1000);
      }
      run.send(samples.subarray(at, at + FRAME_SAMPLES));
    }
    setStatus('waiting for the last transcript…', 'busy');
    await run.finish();
    setStatus(`done: ${run.finals} utterance(s), ${segmentsOf(run.events).length} speech segment(s)`, 'done');
  } catch (err) {
    setStatus(`error: ${err instanceof Error ? err.message : String(err)}`, 'error');
  } finally {
    run.close();
    setRunning(false);
    current = undefined;
  }
}

async function streamMicrophone() {
  if (!navigator.mediaDevices?.getUserMedia || !window.AudioWorkletNode) {
    setStatus('this browser gives no microphone here (it needs https or localhost)', 'error');
    return;
  }
  resetOutput();
  setRunning(true);
  const run = new Run(ui.model.value, undefined);
  current = run;
  /** @type {MediaStream | undefined} */
  let media;
  /** @type {AudioContext | undefined} */
  let context;
  try {
    // Connections first: the microphone's audio flows from the moment it is opened.
    await run.open();
    media = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
    });
    try {
      context = new AudioContext({ sampleRate: SAMPLE_RATE }); // the browser resamples the microphone
    } catch {
      context = new AudioContext(); // …or the page does (see Resampler)
    }
    await context.audioWorklet.addModule(new URL('capture-worklet.js', document.baseURI));
    const resampler = new Resampler(context.sampleRate, SAMPLE_RATE);
    const cutter = new FrameCutter(FRAME_SAMPLES);
    const node = new AudioWorkletNode(context, 'capture');
    node.port.onmessage = (event) => {
      if (run.stopped) return;
      for (const frame of cutter.push(floatToInt16(resampler.push(event.data)))) run.send(frame);
    };
    context.createMediaStreamSource(media).connect(node);
    node.connect(context.destination); // pulls the worklet; it writes no output, so nothing is heard
    setStatus(`listening (${context.sampleRate} Hz) and streaming to ${run.model}…`, 'busy');
    await new Promise((resolve) => ui.stop.addEventListener('click', resolve, { once: true }));
    node.port.onmessage = null;
    const rest = cutter.flush();
    if (rest) run.send(rest);
    setStatus('waiting for the last transcript…', 'busy');
    await run.finish();
    setStatus(`done: ${run.finals} utterance(s), ${segmentsOf(run.events).length} speech segment(s)`, 'done');
  } catch (err) {
    setStatus(`error: ${err instanceof Error ? err.message : String(err)}`, 'error');
  } finally {
    for (const track of media?.getTracks() ?? []) track.stop();
    await context?.close();
    run.close();
    setRunning(false);
    current = undefined;
  }
}

ui.file.addEventListener('change', async () => {
  const file = ui.file.files?.[0];
  fileSamples = undefined;
  setRunning(false);
  if (!file) return;
  try {
    fileSamples = await readFileSamples(file);
    setStatus(`${file.name}: ${(fileSamples.length / SAMPLE_RATE).toFixed(2)} s of audio`, 'ready');
    const preview = new Run(ui.model.value, fileSamples.length);
    draw(preview);
  } catch (err) {
    setStatus(`cannot read ${file.name}: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
  setRunning(false);
});
ui.streamFile.addEventListener('click', () => void streamFile());
ui.microphone.addEventListener('click', () => void streamMicrophone());
ui.stop.addEventListener('click', () => {
  if (current) current.stopped = true;
});
document.body.dataset.state = 'idle';
