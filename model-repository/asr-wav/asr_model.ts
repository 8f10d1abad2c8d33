/** The runtime lives in examples/asr (a symlink would not type-check: its relative imports resolve from here). */
export { PocketSphinxAsr } from '../../examples/asr/asr_model.js';
