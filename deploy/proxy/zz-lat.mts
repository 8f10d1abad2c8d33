import { startProxyRig } from './proxy-rig.js';
import { connect } from '../../test/helpers/ws-client.js';
import { inferenceClient, grpcStep } from '../../test/deploy/rig-clients.js';
import { openStream } from '../../test/grpc/stream-client.js';
const rig = await startProxyRig({ checkInterval: '500ms' });
const body = (s: number) =>
  JSON.stringify({
    inputs: [{ name: 'step', shape: [1], datatype: 'INT32', data: [s] }],
    outputs: [{ name: 'total' }],
  });
for (const [label, base, grpcTarget] of [
  ['proxy', rig.proxy.url, `127.0.0.1:${rig.proxy.port}`],
  ['direct', rig.replicas[0]!.url, `127.0.0.1:${rig.replicas[0]!.grpc_port}`],
] as const) {
  const id = `lat-${label}`;
  const socket = connect(`${base}/v2/models/accumulator/infer_stream?session_id=${id}`);
  await socket.opened;
  const res = await fetch(`${base}/v2/models/accumulator/sessions/${id}/events`, {
    headers: { 'x-session-id': id },
  });
  const reader = res.body!.getReader();
  const times: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const t = performance.now();
    socket.ws.send(body(i));
    await socket.next();
    await reader.read();
    times.push(Math.round(performance.now() - t));
  }
  console.log(label, 'ws+follower', times.join(' '));
  socket.ws.send(Buffer.alloc(0));
  await socket.closed;
  const client = inferenceClient(grpcTarget);
  const stream = openStream(client, { deadlineMs: 30_000 });
  const gt: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const t = performance.now();
    stream.write(grpcStep(i));
    await stream.next();
    gt.push(Math.round(performance.now() - t));
  }
  stream.end();
  await stream.rest();
  client.close();
  console.log(label, 'grpc bidi', gt.join(' '));
}
await rig.stop();
