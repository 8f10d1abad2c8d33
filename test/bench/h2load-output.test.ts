import { grpcFrame, parseH2loadOutput } from '../../bench/load/h2load-load.js';

const REPORT = `starting benchmark...
spawning thread #0: 1 total client(s). 4 total requests
Application protocol: h2c

finished in 2.94ms, 1361.47 req/s, 280.54KB/s
requests: 4 total, 4 started, 4 done, 3 succeeded, 1 failed, 0 errored, 0 timeout
status codes: 3 2xx, 0 3xx, 0 4xx, 1 5xx
traffic: 844B (844) total, 110B (110) headers (space savings 80.22%), 576B (576) data
                     min         max         mean         sd        +/- sd
time for request:      266us       868us       445us       284us    75.00%
time for connect:      698us       698us       698us         0us   100.00%
`;

describe('h2load output', () => {
  it('reads counts, rate, DATA bytes and the mean time per request', () => {
    expect(parseH2loadOutput(REPORT)).toEqual({
      succeeded: 3,
      failed: 1,
      seconds: 0.00294,
      requestsPerSecond: 1361.47,
      dataBytes: 576,
      meanMs: 0.445,
    });
  });

  it('frames a gRPC message: flag byte, big-endian length, bytes', () => {
    expect(grpcFrame(Buffer.from([7, 8, 9]))).toEqual(Buffer.from([0, 0, 0, 0, 3, 7, 8, 9]));
  });
});
