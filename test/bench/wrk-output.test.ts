import { parseWrkOutput } from '../../bench/load/wrk-load.js';

const REPORT = `Running 2s test @ http://127.0.0.1:41234/v2/models/identity/infer
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.62ms  830.12us  14.61ms   91.20%
    Req/Sec     9.92k   512.33    10.51k    80.00%
  Latency Distribution
     50%    1.30ms
     75%    1.71ms
     90%    2.95ms
     99%  650.00us
  19741 requests in 2.00s, 5.21MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   9846.21
Transfer/sec:      2.60MB
`;

describe('parseWrkOutput', () => {
  it('reads throughput, counts, errors and latency percentiles in milliseconds', () => {
    expect(parseWrkOutput(REPORT)).toEqual({
      requests: 19741,
      seconds: 2,
      requestsPerSecond: 9846.21,
      errors: 7,
      latency: { p50: 1.3, p90: 2.95, p99: 0.65 },
    });
  });

  it('gives NaN figures for a report it cannot read', () => {
    const parsed = parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused');
    expect(parsed.requests).toBe(0);
    expect(parsed.requestsPerSecond).toBeNaN();
    expect(parsed.latency.p50).toBeNaN();
  });
});
