import { scrapeMetrics, sumOf, type Sample } from './prometheus-text';

/** A service's `/metrics` to watch: its name and base URL. */
export interface MonitoredService {
  name: string;
  url: string;
}

/** The figures of one service at one moment, read from its `/metrics`. */
export interface ServiceFigures {
  name: string;
  up: boolean;
  /** Messages handled successfully, by logical topic (prefix removed), summed over groups. */
  processed: Readonly<Record<string, number>>;
  /** Consumer lag summed over the service's partitions. */
  lag: number;
  deadLettered: number;
  produced: number;
  /** `pulse_ingestion_events_total` by outcome (ingestion only). */
  ingestion: Readonly<Record<string, number>>;
  samples: readonly Sample[];
}

export interface FleetFigures {
  at: number;
  services: readonly ServiceFigures[];
}

/** Events per second between two readings of one counter. */
export function ratePerSecond(before: number, after: number, elapsedMs: number): number {
  if (elapsedMs <= 0 || after < before) return 0;
  return ((after - before) * 1000) / elapsedMs;
}

/** Reads every service's `/metrics` (a service that does not answer shows as down). */
export async function readFleetFigures(
  services: readonly MonitoredService[],
  topicPrefix: string,
): Promise<FleetFigures> {
  const figures = await Promise.all(services.map((service) => readService(service, topicPrefix)));
  return { at: Date.now(), services: figures };
}

async function readService(service: MonitoredService, topicPrefix: string): Promise<ServiceFigures> {
  let samples: Sample[];
  try {
    samples = await scrapeMetrics(`${service.url}/metrics`);
  } catch {
    return {
      name: service.name,
      up: false,
      processed: {},
      lag: 0,
      deadLettered: 0,
      produced: 0,
      ingestion: {},
      samples: [],
    };
  }
  const processed: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'pulse_kafka_messages_processed_total') continue;
    const topic = logicalTopic(sample.labels.topic ?? '', topicPrefix);
    processed[topic] = (processed[topic] ?? 0) + sample.value;
  }
  const ingestion: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'pulse_ingestion_events_total') continue;
    const outcome = sample.labels.outcome ?? 'unknown';
    ingestion[outcome] = (ingestion[outcome] ?? 0) + sample.value;
  }
  return {
    name: service.name,
    up: true,
    processed,
    lag: sumOf(samples, 'pulse_kafka_consumer_lag'),
    deadLettered: sumOf(samples, 'pulse_kafka_messages_dead_lettered_total'),
    produced: sumOf(samples, 'pulse_kafka_messages_produced_total'),
    ingestion,
    samples,
  };
}

function logicalTopic(topic: string, prefix: string): string {
  return prefix !== '' && topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
}
