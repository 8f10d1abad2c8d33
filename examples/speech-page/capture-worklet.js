// @ts-nocheck: runs in the AudioWorkletGlobalScope, whose globals the DOM library does not type.
/**
 * Posts each 128-sample block of the microphone's first channel to the page (a copy: the
 * engine reuses its buffers), at the context's sample rate.
 */
class CaptureProcessor extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0]?.[0];
    if (channel && channel.length > 0) this.port.postMessage(channel.slice(0));
    return true;
  }
}

registerProcessor('capture', CaptureProcessor);
