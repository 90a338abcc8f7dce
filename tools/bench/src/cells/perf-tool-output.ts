export interface ProducerPerfFigures {
  records: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  p99LatencyMs: number;
}

export interface ConsumerPerfFigures {
  records: number;
  mb: number;
  mbPerSecond: number;
  recordsPerSecond: number;
  /** Excluding the group join (rebalance) time: the fetch rate itself. */
  fetchRecordsPerSecond: number;
}

const PRODUCER_SUMMARY =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, (\d+) ms 99th/;

/** The final summary line of `kafka-producer-perf-test` (Kafka 4.4). */
export function parseProducerPerf(output: string): ProducerPerfFigures {
  const lines = output.split('\n').filter((line) => PRODUCER_SUMMARY.test(line));
  const match = PRODUCER_SUMMARY.exec(lines[lines.length - 1] ?? '');
  if (!match) throw new Error(`no summary line in the producer perf test's output:\n${output.slice(-1000)}`);
  return {
    records: Number(match[1]),
    recordsPerSecond: Number(match[2]),
    mbPerSecond: Number(match[3]),
    p99LatencyMs: Number(match[4]),
  };
}

/** The CSV result of `kafka-consumer-perf-test` (header line, then one data line). */
export function parseConsumerPerf(output: string): ConsumerPerfFigures {
  const lines = output.split('\n').map((line) => line.trim());
  const headerIndex = lines.findIndex((line) => line.startsWith('start.time'));
  const header = lines[headerIndex]?.split(',').map((field) => field.trim());
  const data = lines[headerIndex + 1]?.split(',').map((field) => field.trim());
  if (headerIndex < 0 || !header || !data || data.length !== header.length) {
    throw new Error(`no result line in the consumer perf test's output:\n${output.slice(-1000)}`);
  }
  const field = (name: string): number => {
    const value = Number(data[header.indexOf(name)]);
    if (!Number.isFinite(value)) throw new Error(`consumer perf test: no number in column ${name}`);
    return value;
  };
  return {
    records: field('data.consumed.in.nMsg'),
    mb: field('data.consumed.in.MB'),
    mbPerSecond: field('MB.sec'),
    recordsPerSecond: field('nMsg.sec'),
    fetchRecordsPerSecond: field('fetch.nMsg.sec'),
  };
}
