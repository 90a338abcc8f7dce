import type { Admin, ITopicConfig } from 'kafkajs';
import { sleep } from '@pulse/retry';

/** Logical topic names (docs/architecture.md, "Topics"); the deployed name is `<PULSE_TOPIC_PREFIX><name>`. */
export const TOPIC = {
  eventsRaw: 'events.raw',
  eventsEnriched: 'events.enriched',
  referenceProducts: 'reference.products',
  referenceCustomers: 'reference.customers',
  metricsWindowed: 'metrics.windowed',
  alerts: 'alerts',
  deadLetter: 'dead-letter',
  /** Which dead letters `pulse dlq redrive` sent back (keyed by their coordinates), so none goes back twice. */
  deadLetterRedriven: 'dead-letter.redriven',
  /** Alert service internal: window results and dead-letter counts re-keyed by series (see docs/alerting.md). */
  alertSignals: 'alerts.signals',
  /** Alert service: silences (compacted, keyed by silence id). */
  alertSilences: 'alerts.silences',
  /** Alert service: the notifier's delivery log (compacted, keyed by channel and fingerprint). */
  alertDeliveries: 'alerts.deliveries',
} as const;
export type TopicKey = keyof typeof TOPIC;
export type TopicNames = { readonly [K in TopicKey]: string };

export function topicNames(prefix: string): TopicNames {
  return Object.fromEntries(
    Object.entries(TOPIC).map(([key, name]) => [key, `${prefix}${name}`]),
  ) as TopicNames;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface TopicLayout {
  prefix: string;
  partitions: number;
  replicationFactor: number;
}

const DAY_MS = 86_400_000;

/** The one declared list of Pulse topics with their partitions, replication and retention. */
export function declaredTopics(layout: TopicLayout): TopicSpec[] {
  const names = topicNames(layout.prefix);
  const minIsr = String(Math.min(2, layout.replicationFactor));
  const spec = (name: string, config: Record<string, string>, partitions = layout.partitions): TopicSpec => ({
    name,
    partitions,
    replicationFactor: layout.replicationFactor,
    config: { 'min.insync.replicas': minIsr, ...config },
  });
  const deleteAfter = (days: number) => ({
    'cleanup.policy': 'delete',
    'retention.ms': String(days * DAY_MS),
  });
  return [
    spec(names.eventsRaw, deleteAfter(7)),
    // Enriched events are the replay source for aggregation state (Kappa): keep them longer
    // and index them by the event time we set as record timestamp.
    spec(names.eventsEnriched, { ...deleteAfter(14), 'message.timestamp.type': 'CreateTime' }),
    spec(names.referenceProducts, { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' }),
    spec(names.referenceCustomers, { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' }),
    spec(names.metricsWindowed, deleteAfter(3)),
    spec(names.alerts, deleteAfter(30)),
    spec(names.deadLetter, deleteAfter(30)),
    // A mark is needed as long as its dead letter exists.
    spec(names.deadLetterRedriven, deleteAfter(30)),
    // The alert evaluator replays its signal partitions on start (baselines of recent windows).
    spec(names.alertSignals, deleteAfter(3)),
    spec(names.alertSilences, { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' }),
    spec(names.alertDeliveries, { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' }),
  ];
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

/**
 * Creates missing topics and verifies existing ones: fewer partitions than declared, or a
 * different cleanup policy, is an error an operator must resolve (Kafka cannot shrink partitions
 * and a wrong policy silently loses reference data).
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<EnsureTopicsResult> {
  const existingNames = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existingNames.has(spec.name));
  if (missing.length > 0) {
    const topics: ITopicConfig[] = missing.map((spec) => ({
      topic: spec.name,
      numPartitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
    }));
    try {
      // Not kafkajs' waitForLeaders: it gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft
      // broker answers until a new topic reaches its metadata cache (seen under load).
      await admin.createTopics({ topics, waitForLeaders: false });
    } catch (error) {
      // Another instance may have created them concurrently; verification below decides.
      if (!(error instanceof Error) || !/already exists/i.test(error.message)) throw error;
    }
    await waitForLeaders(admin, missing);
  }
  const present = specs.filter((spec) => existingNames.has(spec.name));
  if (present.length > 0) await verifyTopics(admin, present);
  return { created: missing.map((spec) => spec.name), existing: present.map((spec) => spec.name) };
}

const METADATA_NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Waits until every partition of the new topics has a leader, so producers can use them at once. */
async function waitForLeaders(admin: Admin, specs: TopicSpec[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
      const led = specs.every((spec) => {
        const partitions = topics.find((topic) => topic.name === spec.name)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
      });
      if (led) return;
    } catch (error) {
      if (!METADATA_NOT_YET.has((error as { type?: string }).type ?? '')) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Kafka topics have no leader ${timeoutMs} ms after creation: ${specs.map((s) => s.name).join(', ')}`,
      );
    }
    await sleep(100);
  }
}

async function verifyTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((spec) => ({
      type: 2 /* TOPIC */,
      name: spec.name,
      configNames: ['cleanup.policy'],
    })),
  });
  const problems: string[] = [];
  for (const spec of specs) {
    const partitions = metadata.topics.find((topic) => topic.name === spec.name)?.partitions.length ?? 0;
    if (partitions < spec.partitions) {
      problems.push(`${spec.name} has ${partitions} partitions, ${spec.partitions} declared`);
    }
    const policy = configs.resources
      .find((resource) => resource.resourceName === spec.name)
      ?.configEntries.find((entry) => entry.configName === 'cleanup.policy')?.configValue;
    const wanted = spec.config['cleanup.policy'];
    if (wanted !== undefined && policy !== undefined && policy !== wanted) {
      problems.push(`${spec.name} has cleanup.policy=${policy}, ${wanted} declared`);
    }
  }
  if (problems.length > 0)
    throw new Error(`Kafka topics differ from the declared layout: ${problems.join('; ')}`);
}
