/**
 * What `require('mlserver-ts')` returns inside a running server: the server's own ES module
 * namespace, which the runtime importer published before loading any runtime. Node 20's
 * `require(esm)` would evaluate the entry a second time while the ESM loader has hooks
 * registered (tsx's), giving a CommonJS runtime other classes than the server's; this hands it
 * the very same module instead.
 */
const api: unknown = (globalThis as Record<symbol, unknown>)[Symbol.for('mlserver-ts.api')];
if (api === undefined) {
  throw new Error("mlserver-ts: this entry serves require('mlserver-ts') inside a running server only");
}
module.exports = api;
