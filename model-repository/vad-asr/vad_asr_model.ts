/** The runtime lives in examples/vad-asr (a symlink would not type-check: its relative imports resolve from here). */
export { VadGatedAsr } from '../../examples/vad-asr/vad_asr_model.js';
