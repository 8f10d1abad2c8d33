import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Harness, startServer, textInput, texts } from './harness.js';
import { openStream } from './stream-client.js';

type Response = { model_name: string; id: string; outputs: { contents: { bytes_contents: Uint8Array[] } }[] };

let h: Harness;
beforeAll(async () => {
  h = await startServer();
});
afterAll(async () => {
  await h.close();
});

const words = (responses: Response[]) => responses.map((r) => texts(r.outputs[0]!)[0]);

describe('ModelStreamInfer, MLServer flavour (protos/inference/dataplane.proto)', () => {
  it("runs the notebook's request: one request, one response per word", async () => {
    const stream = openStream<Response>(h.mlserver);
    stream.write({ model_name: 'words', id: 'n1', inputs: [textInput('What is the capital of France?')] });
    stream.end();
    const responses = await stream.rest();
    expect(words(responses)).toEqual(['What', ' is', ' the', ' capital', ' of', ' France?']);
    expect(responses.every((r) => r.model_name === 'words' && r.id === 'n1')).toBe(true);
    expect(await stream.status).toEqual({ code: grpc.status.OK, details: 'OK' });
  });

  it('interleaves: the first response arrives before the second request is sent', async () => {
    const stream = openStream<Response>(h.mlserver);
    const events: string[] = [];
    for (const word of ['one', 'two', 'three']) {
      events.push(`sent ${word}`);
      stream.write({ model_name: 'words', inputs: [textInput(word)] });
      const response = await stream.next();
      events.push(`got ${texts(response!.outputs[0]!)[0]}`);
    }
    stream.end();
    expect(await stream.rest()).toEqual([]);
    expect(events).toEqual(['sent one', 'got one', 'sent two', 'got two', 'sent three', 'got three']);
  });

  it('passes call metadata to the runtime and its response headers back as metadata', async () => {
    const metadata = new grpc.Metadata();
    metadata.set('x-test', 'from-client');
    const call = h.mlserver.ModelStreamInfer!(metadata) as grpc.ClientDuplexStream<unknown, unknown>;
    const headers = new Promise<grpc.Metadata>((resolve) => call.once('metadata', resolve));
    const replies: unknown[] = [];
    const ended = new Promise((resolve) => {
      call.on('data', (reply) => replies.push(reply));
      call.on('end', resolve);
    });
    call.write({ model_name: 'echo', inputs: [textInput('x', 'a')] });
    call.end();
    expect((await headers).get('x-echo')).toEqual(['from-client']);
    await ended;
    expect(replies).toHaveLength(1);
  });

  it('stream→unary: many requests, one response', async () => {
    const stream = openStream<Response>(h.mlserver);
    for (const word of ['a', 'b', 'c']) stream.write({ model_name: 'collect', inputs: [textInput(word)] });
    stream.end();
    expect(words(await stream.rest())).toEqual(['a+b+c']);
  });

  it('answers raw when the first request is raw', async () => {
    const stream = openStream<{ raw_output_contents: Buffer[] }>(h.mlserver);
    const hi = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi')]);
    stream.write({
      model_name: 'words',
      inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1] }],
      raw_input_contents: [hi],
    });
    stream.end();
    const [response] = await stream.rest();
    expect(response!.raw_output_contents).toEqual([hi]);
  });

  it('ends the call with a status when the runtime fails after responses were sent', async () => {
    const stream = openStream<Response>(h.mlserver);
    stream.write({ model_name: 'words', inputs: [textInput('fine')] });
    expect(texts((await stream.next())!.outputs[0]!)).toEqual(['fine']);
    stream.write({ model_name: 'words', inputs: [textInput('fail')] });
    expect(await stream.status).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'cannot say fail' });
  });

  it('refuses an unknown model, an empty stream and a second model', async () => {
    const unknown = openStream(h.mlserver);
    unknown.write({ model_name: 'nope', inputs: [textInput('x')] });
    unknown.end();
    expect(await unknown.status).toEqual({
      code: grpc.status.NOT_FOUND,
      details: "Request for unknown model: 'nope' is not found",
    });

    const empty = openStream(h.mlserver);
    empty.end();
    expect(await empty.status).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: 'the stream carried no request',
    });

    const mixed = openStream(h.mlserver);
    mixed.write({ model_name: 'collect', inputs: [textInput('x')] });
    mixed.write({ model_name: 'words', inputs: [textInput('y')] });
    mixed.end();
    expect(await mixed.status).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });
});
