import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { alertEventSchema, type AlertEvent } from '@pulse/contracts';
import { KafkaRuntime, TopicTableReader } from '@pulse/kafka';
import { LOGGER, type Logger } from '@pulse/observability';
import { RetryStoppedError, retrying, sleep } from '@pulse/retry';
import { REPORTING_CONFIG, type ReportingConfig } from '../config';

export interface AlertQuery {
  readonly state?: AlertEvent['state'];
  readonly sinceMs?: number;
  readonly limit: number;
}

/**
 * The latest state of each alert (by fingerprint), read from the `alerts` topic into a bounded
 * table. Loads in the background and retries while the topic does not exist yet, so reports
 * are served even before alerting runs.
 */
@Injectable()
export class AlertLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private reader: TopicTableReader<AlertEvent> | undefined;
  private stopped = false;
  private starting: Promise<void> | undefined;
  private wake: () => void = () => undefined;
  /** Resolves on shutdown, so a retry wait never delays it. */
  private readonly stopping = new Promise<void>((resolve) => (this.wake = resolve));

  constructor(
    private readonly runtime: KafkaRuntime,
    @Inject(REPORTING_CONFIG) private readonly config: ReportingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.starting = this.startWithRetries();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.starting;
    await this.reader?.stop();
  }

  /** False until the topic was read up to the end offsets seen at start. */
  get loaded(): boolean {
    return this.reader?.isReady() ?? false;
  }

  find(query: AlertQuery): AlertEvent[] {
    const matches: AlertEvent[] = [];
    for (const alert of this.reader?.values() ?? []) {
      if (query.state !== undefined && alert.state !== query.state) continue;
      if (query.sinceMs !== undefined && Date.parse(alert.updatedAt) < query.sinceMs) continue;
      matches.push(alert);
    }
    return matches
      .sort(
        (a, b) =>
          Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || a.fingerprint.localeCompare(b.fingerprint),
      )
      .slice(0, query.limit);
  }

  private async startWithRetries(): Promise<void> {
    const logger = this.logger.child({ component: 'alert-log' });
    const reader = await retrying(
      async () => {
        const attempt = this.newReader(logger);
        try {
          await attempt.start();
          return attempt;
        } catch (error) {
          await attempt.stop().catch(() => undefined);
          throw error;
        }
      },
      {
        stopped: () => this.stopped,
        sleep: (ms) => Promise.race([sleep(ms), this.stopping]),
        onRetry: (error, attempt) =>
          logger.warn({ err: error, attempt }, 'cannot read the alerts topic yet; retrying'),
      },
    ).catch((error: unknown) => {
      if (error instanceof RetryStoppedError) return undefined;
      throw error;
    });
    if (reader === undefined) return;
    // Shut down while starting: nobody else will stop this reader.
    if (this.stopped) await reader.stop();
    else this.reader = reader;
  }

  private newReader(logger: Logger): TopicTableReader<AlertEvent> {
    return new TopicTableReader<AlertEvent>(
      this.runtime.kafka,
      {
        topic: this.runtime.topics.alerts,
        groupIdPrefix: 'pulse-reporting-alerts',
        decode: (message) => alertEventSchema.parse(JSON.parse(message.value?.toString('utf8') ?? 'null')),
        keyOf: (_, alert) => alert.fingerprint,
        maxEntries: this.config.PULSE_ALERTS_MAX,
      },
      logger,
    );
  }
}
