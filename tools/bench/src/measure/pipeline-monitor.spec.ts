import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchKafka } from '../infra/bench-kafka';
import { PipelineMonitor } from './pipeline-monitor';

const NODE_METRICS = [
  'pulse_kafka_messages_processed_total 10',
  'pulse_kafka_consumer_lag 3',
  'nodejs_eventloop_lag_p99_seconds 0.012',
].join('\n');
/** The Kafka Streams peer's /metrics: a JVM, no event loop. */
const JVM_METRICS = 'pulse_kafka_messages_processed_total 20\n';

describe('PipelineMonitor', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.end(request.url === '/node' ? NODE_METRICS : JVM_METRICS);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('records the event-loop delay of processes that export it, and none for those that do not', async () => {
    const kafka = { appended: async () => 0 } as unknown as BenchKafka;
    const monitor = new PipelineMonitor(kafka, { raw: 'r', enriched: 'e', deadLetter: 'd' }, [
      { name: 'aggregation', metricsUrl: `${base}/node`, stage: 'aggregate' },
      { name: 'streams-peer', metricsUrl: `${base}/jvm`, stage: 'aggregate' },
    ]);
    const reading = await monitor.read();
    expect(reading.processed).toEqual({ aggregation: 10, 'streams-peer': 20 });
    expect(reading.eventLoopP99Seconds).toEqual({ aggregation: 0.012 });
  });
});
