/** The same runtime as `asr` (examples/asr), with settings for whole WAV files in binary frames. */
export { PocketSphinxAsr } from '../asr/asr_model.js';
