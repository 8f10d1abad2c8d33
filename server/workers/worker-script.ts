/**
 * The worker threads' program. Node runs a worker from a JavaScript file and jest does not
 * transform worker files, so this is always the compiled `dist/server/workers/worker-main.js`:
 * next to this module when it runs from `dist/`, found from the package root when it runs from
 * the sources (jest, tsx). `npm test` and `npm start` build first.
 */
export function workerScript(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/server/workers/worker-main.js', here)
    : new URL('./worker-main.js', here);
}
