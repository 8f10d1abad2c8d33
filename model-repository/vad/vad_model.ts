/** The runtime lives in examples/vad (a symlink would not type-check: its relative imports resolve from here). */
export { SileroVad } from '../../examples/vad/vad_model.js';
