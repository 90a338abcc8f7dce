import { headers as natsHeaders } from '@nats-io/transport-node';
import { alertEventSchema, decodeJsonWith, type AlertEvent } from '@pulse/contracts';
import { TransientError, errorMessageOf, type ConsumedMessage, type MessageHandler } from '@pulse/kafka';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { SilenceStore } from '../manage-silences/silence-store';
import type { NatsConnector } from './nats-connection';

/** `alerts.<severity>.<rule>`, each token reduced to what a NATS subject token may hold. */
export function subjectOf(alert: Pick<AlertEvent, 'severity' | 'rule'>): string {
  return `alerts.${token(alert.severity)}.${token(alert.rule)}`;
}

function token(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_-]/g, '_');
  return cleaned === '' ? '_' : cleaned;
}

/**
 * Publishes every `alerts` record as JSON on NATS (consumer group `<group>-nats`, separate from
 * Slack's, so one channel being down never holds the other back). The offset is committed only
 * after the server confirmed it has the message (flush); NATS down is a TransientError: the
 * runner waits and commits nothing. Delivery is at least once: `Nats-Msg-Id`
 * (`<fingerprint>:<sequence>`) lets JetStream and subscribers drop repeats.
 */
export class NatsNotifier implements MessageHandler {
  constructor(
    private readonly connector: Pick<NatsConnector, 'current'>,
    private readonly silences: Pick<SilenceStore, 'silencing'>,
    private readonly metrics: AlertMetrics,
    private readonly flushTimeoutMs: number,
  ) {}

  async handle(message: ConsumedMessage): Promise<void> {
    const alert = decodeJsonWith(alertEventSchema, message.value, 'invalid alert record');
    const connection = this.connector.current();
    if (!connection) {
      this.metrics.deliveryAttempts.inc({ channel: 'nats', result: 'transient' });
      throw new TransientError('NATS is not connected');
    }
    const headers = natsHeaders();
    headers.set('Nats-Msg-Id', `${alert.fingerprint}:${alert.sequence}`);
    headers.set('Pulse-Alert-State', alert.state);
    const silencedBy = this.silences.silencing(alert);
    if (silencedBy.length > 0) headers.set('Pulse-Silenced-By', silencedBy.join(','));
    try {
      connection.publish(subjectOf(alert), JSON.stringify(alert), { headers });
      await withTimeout(connection.flush(), this.flushTimeoutMs);
    } catch (error) {
      this.metrics.deliveryAttempts.inc({ channel: 'nats', result: 'transient' });
      throw new TransientError(`NATS publish not confirmed: ${errorMessageOf(error)}`);
    }
    this.metrics.deliveryAttempts.inc({ channel: 'nats', result: 'ok' });
    this.metrics.notifications.inc({ rule: alert.rule, channel: 'nats', outcome: 'delivered' });
    if (alert.triggerEventTime !== null) {
      this.metrics.notificationLatency.observe(
        { channel: 'nats', state: alert.state },
        Math.max(0, Date.now() - Date.parse(alert.triggerEventTime)) / 1000,
      );
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
