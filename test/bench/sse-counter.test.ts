import { SseEventCounter } from '../../bench/load/sse-load.js';

describe('SseEventCounter', () => {
  it('counts data events split across chunks', () => {
    const counter = new SseEventCounter();
    expect(counter.push('data: {"a":1}\n\nda')).toBe(1);
    expect(counter.push('ta: {"a":2}\n')).toBe(0);
    expect(counter.push('\n: keep-alive\n\n')).toBe(1);
    expect(counter.events).toBe(2);
    expect(counter.errors).toBe(0);
  });

  it('counts error events apart', () => {
    const counter = new SseEventCounter();
    counter.push('data: {}\n\nevent: error\ndata: {"error":"boom"}\n\n');
    expect(counter.events).toBe(1);
    expect(counter.errors).toBe(1);
  });
});
