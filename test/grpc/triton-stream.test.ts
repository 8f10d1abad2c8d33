import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Harness, rawTexts, startServer, textInput } from './harness.js';
import { openStream } from './stream-client.js';

type Envelope = {
  error_message: string;
  infer_response: {
    id: string;
    model_name: string;
    parameters: Record<string, { bool_param?: boolean }>;
    outputs: { name: string; contents: unknown }[];
    raw_output_contents: Uint8Array[];
  } | null;
};

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

const emptyFinal = { triton_enable_empty_final_response: { bool_param: true } };
const final = (e: Envelope) => e.infer_response?.parameters.triton_final_response?.bool_param;
// Outputs always travel in raw_output_contents on the Triton listener, as Triton sends them.
const word = (e: Envelope) => {
  const raw = e.infer_response?.raw_output_contents[0];
  return raw ? rawTexts(raw)[0] : undefined;
};

describe('ModelStreamInfer, Triton flavour (protos/inference/triton/stream.proto on grpc_triton_port)', () => {
  it('wraps responses, tags each with its request id, and sends the empty final response when asked', async () => {
    const stream = openStream<Envelope>(h.triton);
    stream.write({
      model_name: 'words',
      id: 'r1',
      parameters: emptyFinal,
      inputs: [textInput('hello big world')],
    });
    stream.write({ model_name: 'words', id: 'r2', inputs: [textInput('bye')] });
    stream.end();
    const all = await stream.rest();
    expect(all.map((e) => [e.error_message, e.infer_response?.id, word(e), final(e)])).toEqual([
      ['', 'r1', 'hello', false],
      ['', 'r1', ' big', false],
      ['', 'r1', ' world', false],
      ['', 'r1', undefined, true],
      ['', 'r2', 'bye', false],
    ]);
    expect(await stream.status).toMatchObject({ code: grpc.status.OK });
  });

  it('answers a runtime without its own stream ("not decoupled") once, flagged final', async () => {
    const stream = openStream<Envelope>(h.triton);
    stream.write({ model_name: 'echo', id: 'e1', parameters: emptyFinal, inputs: [textInput('x', 'a')] });
    stream.write({ model_name: 'echo', id: 'e2', inputs: [textInput('y', 'a')] });
    stream.end();
    const all = await stream.rest();
    expect(all.map((e) => [e.error_message, e.infer_response?.id, word(e), final(e)])).toEqual([
      ['', 'e1', 'x', true],
      ['', 'e2', 'y', true],
    ]);
  });

  it('interleaves: a response reaches the client before it sends the next request', async () => {
    const stream = openStream<Envelope>(h.triton);
    const events: string[] = [];
    for (const [i, text] of ['one', 'two'].entries()) {
      events.push(`sent ${text}`);
      stream.write({ model_name: 'words', id: `r${i}`, inputs: [textInput(text)] });
      events.push(`got ${word((await stream.next())!)}`);
    }
    stream.end();
    await stream.rest();
    expect(events).toEqual(['sent one', 'got one', 'sent two', 'got two']);
  });

  it('answers a failed request in-band and keeps the stream open', async () => {
    const stream = openStream<Envelope>(h.triton);
    stream.write({ model_name: 'nope', id: 'bad', inputs: [textInput('x')] });
    stream.write({ model_name: 'words', id: 'fails', inputs: [textInput('fail')] });
    stream.write({ model_name: 'words', id: 'good', inputs: [textInput('still here')] });
    stream.end();
    const all = await stream.rest();
    expect(all.map((e) => [e.error_message, e.infer_response?.id, word(e)])).toEqual([
      ["Request for unknown model: 'nope' is not found", 'bad', undefined],
      ['cannot say fail', 'fails', undefined],
      ['', 'good', 'still'],
      ['', 'good', ' here'],
    ]);
    expect(await stream.status).toMatchObject({ code: grpc.status.OK });
  });

  it('ends the call with a status when the client sent triton_grpc_error: true', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('triton_grpc_error', 'true');
    const stream = openStream<Envelope>(h.triton, { metadata });
    stream.write({ model_name: 'words', id: 'ok', inputs: [textInput('fine')] });
    stream.write({ model_name: 'nope', id: 'bad', inputs: [textInput('x')] });
    stream.end();
    expect((await stream.rest()).map(word)).toEqual(['fine']);
    expect(await stream.status).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "Request for unknown model: 'nope' is not found",
    });
  });

  it('serves the same unary RPCs as the MLServer listener', async () => {
    const reply = await new Promise<{ outputs: { name: string }[] }>((resolve, reject) =>
      h.triton.ModelInfer!(
        { model_name: 'echo', inputs: [textInput('x', 'a')] },
        (err: unknown, r: { outputs: { name: string }[] }) => (err ? reject(err) : resolve(r)),
      ),
    );
    expect(reply.outputs.map((o) => o.name)).toEqual(['out_a']);
  });
});
