import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The baseline's `/metrics` and `/health/ready`, with the metric names Pulse's services use, so
 * the harness measures both pipelines the same way (event-loop delay, processed, lag).
 */
export class StatusServer {
  readonly registry = new Registry();
  readonly processed: Counter<'topic'>;
  readonly lag: Gauge<'topic' | 'partition'>;
  private ready = false;
  private readonly server: Server;

  constructor(stage: string) {
    this.registry.setDefaultLabels({ pulse_service: `naive-${stage}` });
    collectDefaultMetrics({ register: this.registry });
    this.processed = new Counter({
      name: 'pulse_kafka_messages_processed_total',
      help: 'Messages handled',
      labelNames: ['topic'],
      registers: [this.registry],
    });
    this.lag = new Gauge({
      name: 'pulse_kafka_consumer_lag',
      help: 'Messages behind the high watermark after the last batch',
      labelNames: ['topic', 'partition'],
      registers: [this.registry],
    });
    this.server = createServer((request, response) => {
      if (request.url === '/metrics') {
        void this.registry.metrics().then((text) => {
          response.writeHead(200, { 'content-type': this.registry.contentType });
          response.end(text);
        });
        return;
      }
      if (request.url === '/health/ready' || request.url === '/health/live') {
        const ok = request.url === '/health/live' || this.ready;
        response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: ok ? 'ok' : 'starting' }));
        return;
      }
      response.writeHead(404).end();
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve) => this.server.listen(port, host, resolve));
  }

  markReady(): void {
    this.ready = true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
