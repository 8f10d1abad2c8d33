/**
 * Two mlserver-ts replicas behind HAProxy on this machine, to try what a scaled-out deployment
 * does with streams, sticky sessions and a rolling restart:
 *
 *   npm run build && node --import tsx deploy/proxy/rig.ts [--port 8080] [--folder deploy/proxy/models]
 *
 * Prints every process's log, prefixed with its name; Ctrl-C stops the proxy and drains the
 * replicas. `kill -TERM <pid>` on one replica shows a drain behind the proxy.
 */
import { parseArgs } from 'node:util';
import { RIG_MODELS, startProxyRig } from './proxy-rig.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    folder: { type: 'string', default: RIG_MODELS },
    replicas: { type: 'string', default: '2' },
  },
});

const rig = await startProxyRig({
  folder: values.folder,
  host: values.host,
  port: Number(values.port),
  replicas: Number(values.replicas),
  detached: true,
  onLine: (from, line) => console.log(`${from.padEnd(8)} | ${line}`),
});
const { port } = rig.proxy;
console.log(`
proxy    | http://${values.host}:${port}  (REST, SSE, WebSocket and gRPC/h2c on this one port)
${rig.replicas.map((r) => `${r.name} | pid ${r.process.child.pid}: REST ${r.http_port}, gRPC ${r.grpc_port}`).join('\n')}

Try:
  curl -N http://127.0.0.1:${port}/v2/models/text-model/generate_stream -H 'content-type: application/json' \\
    -d '{"inputs":[{"name":"prompt","shape":[1],"datatype":"BYTES","data":["one word at a time"]}]}'
  curl -i http://127.0.0.1:${port}/v2/models/accumulator/infer -H 'content-type: application/json' \\
    -H 'x-sequence-id: 42' -d '{"parameters":{"sequence_id":42,"sequence_start":true},
    "inputs":[{"name":"step","shape":[1],"datatype":"INT32","data":[5]}],"outputs":[{"name":"total"}]}'
  (x-served-by names the replica; steps with the same x-sequence-id stay on it)
  kill -TERM <pid of a replica>: its streams finish, new requests go to the other one
`);

// The processes sit in process groups of their own: whatever way this one ends, they end too.
process.on('exit', () => {
  for (const child of [rig.proxy.process.child, ...rig.replicas.map((r) => r.process.child)]) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping: proxy, then replicas (graceful drain)');
  rig.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
