/** A model version's lifecycle state, as the repository API reports it (Triton's names). */
export type ModelState = 'LOADING' | 'READY' | 'UNLOADING' | 'UNAVAILABLE';
