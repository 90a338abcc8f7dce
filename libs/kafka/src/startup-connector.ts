import type { Logger } from 'pino';
import { RetryStoppedError, retrying, type BackoffPolicy } from '@pulse/retry';
import { errorMessageOf } from './errors';

/** Something that connects to Kafka: the service's producer. */
export interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

export interface StartupConnectPolicy {
  /** How long start-up waits for the first connection before the service carries on, not ready. */
  startupWaitMs: number;
  /** Delays between attempts; each attempt is itself kafkajs' connect with its own retries. */
  backoff: BackoffPolicy;
}

export const DEFAULT_STARTUP_CONNECT: StartupConnectPolicy = {
  startupWaitMs: 10_000,
  backoff: { initialMs: 1_000, maxMs: 30_000, factor: 2 },
};

/**
 * Connects at start-up without making Kafka's absence fatal. Start-up waits a bounded time for the
 * first connection; after that the service runs not ready (readiness fails, ingestion answers 503
 * with Retry-After) while this keeps retrying with backoff. A broker that is down or unreachable
 * when the service is deployed then costs a delay, not a crash loop whose restart backoff
 * (Kubernetes: up to 5 minutes) outlasts the outage.
 */
export class StartupConnector {
  private stopped = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly target: Connectable,
    private readonly logger: Logger,
    private readonly policy: StartupConnectPolicy = DEFAULT_STARTUP_CONNECT,
  ) {}

  /** True once connected; false when the start-up wait ran out first (the retries go on). */
  async start(): Promise<boolean> {
    const connected = this.connectUntilStopped();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.policy.startupWaitMs);
    });
    try {
      const outcome = await Promise.race([connected, waited]);
      if (!outcome && !this.stopped) {
        this.logger.warn(
          { waitedMs: this.policy.startupWaitMs },
          'started without Kafka: not ready, and Kafka writes are refused until it connects (check PULSE_KAFKA_BROKERS and the broker)',
        );
      }
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the retries; a connection that completes afterwards is closed again. */
  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
  }

  private async connectUntilStopped(): Promise<boolean> {
    if (this.stopped) return false;
    let attempts = 0;
    try {
      await retrying(
        (attempt) => {
          attempts = attempt;
          return this.target.connect();
        },
        {
          policy: this.policy.backoff,
          stopped: () => this.stopped,
          sleep: (ms) => this.pause(ms),
          onRetry: (error, attempt, retryInMs) =>
            this.logger.warn(
              { error: errorMessageOf(error), attempt, retryInMs },
              'cannot connect to Kafka; retrying',
            ),
        },
      );
    } catch (error) {
      if (error instanceof RetryStoppedError) return false;
      throw error;
    }
    if (this.stopped) {
      await this.target.disconnect();
      return false;
    }
    if (attempts > 1) this.logger.info({ attempts }, 'connected to Kafka');
    return true;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
