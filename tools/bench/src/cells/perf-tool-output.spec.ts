import { parseConsumerPerf, parseProducerPerf } from './perf-tool-output';

describe('perf tool output (Kafka 4.4)', () => {
  it('reads the producer summary, not the periodic progress lines', () => {
    const output = [
      '99571 records sent, 19914.2 records/sec (17.09 MB/sec), 120.1 ms avg latency, 400.0 ms max latency.',
      '20000 records sent, 7117.437722 records/sec (6.11 MB/sec), 59.97 ms avg latency, 872.00 ms max latency, 32 ms 50th, 220 ms 95th, 244 ms 99th, 253 ms 99.9th.',
    ].join('\n');
    expect(parseProducerPerf(output)).toEqual({
      records: 20000,
      recordsPerSecond: 7117.437722,
      mbPerSecond: 6.11,
      p99LatencyMs: 244,
    });
  });

  it('reads the consumer CSV by column name', () => {
    const output = [
      'WARN something',
      'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec',
      '2026-11-24 15:15:47:416, 2026-11-24 15:15:49:579, 17.1661, 7.9363, 20000, 9246.4170, 1219, 944, 18.1845, 21186.4407',
    ].join('\n');
    expect(parseConsumerPerf(output)).toEqual({
      records: 20000,
      mb: 17.1661,
      mbPerSecond: 7.9363,
      recordsPerSecond: 9246.417,
      fetchRecordsPerSecond: 21186.4407,
    });
  });

  it('says so when there is no result', () => {
    expect(() => parseProducerPerf('Exception in thread main')).toThrow(/no summary line/);
    expect(() => parseConsumerPerf('nothing')).toThrow(/no result line/);
  });
});
