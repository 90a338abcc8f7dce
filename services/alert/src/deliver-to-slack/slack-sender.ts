import { SpanKind, SpanStatusCode, context, trace, type Link } from '@opentelemetry/api';
import type { Logger } from '@pulse/observability';
import { RetryStoppedError, retrying, type BackoffPolicy } from '@pulse/retry';
import type { AlertMetrics } from '../metrics/alert-metrics';
import type { DeliveryWaits } from './delivery-waits';
import { buildSlackMessage } from './slack-message';
import type { OutboxEntry } from './slack-outbox';
import type { SlackPacer } from './slack-pacer';
import type { SlackResult, SlackWebhook } from './slack-webhook';

/** Slack's final answer to one message; null when sending stopped first (stop() or a rebalance). */
export type SendOutcome = Extract<SlackResult, { kind: 'ok' | 'permanent' }> | null;

/** Slack did not take the message this time (5xx, 408, no answer, 429): worth another attempt. */
class SlackUnavailable extends Error {
  constructor(readonly result: Extract<SlackResult, { kind: 'transient' | 'rate_limited' }>) {
    super(result.reason);
  }
}

/** Sending stopped between attempts: the entries stay in the outbox, not settled. */
class SendingStopped extends Error {}

const tracer = trace.getTracer('pulse-alert');

/**
 * One message to Slack, attempted until Slack answers for good: paced, in a CLIENT span that
 * continues the first record's trace and links the others, retried with backoff (a 429's
 * Retry-After honoured) for as long as `current()` holds.
 */
export class SlackSender {
  constructor(
    private readonly webhook: Pick<SlackWebhook, 'post'>,
    private readonly pacer: SlackPacer,
    private readonly waits: DeliveryWaits,
    private readonly backoff: BackoffPolicy,
    private readonly metrics: AlertMetrics,
    private readonly logger: Logger,
  ) {}

  async send(group: string, chunk: OutboxEntry[], current: () => boolean): Promise<SendOutcome> {
    const payload = buildSlackMessage(
      group,
      chunk.map((entry) => entry.alert),
    );
    try {
      return await retrying(
        async () => {
          if (!current()) throw new SendingStopped();
          await this.pacer.turn();
          if (!current()) throw new SendingStopped();
          const result = await this.post(chunk, payload);
          this.pacer.posted();
          this.metrics.deliveryAttempts.inc({ channel: 'slack', result: result.kind });
          if (result.kind === 'ok' || result.kind === 'permanent') return result;
          throw new SlackUnavailable(result);
        },
        {
          policy: this.backoff,
          shouldRetry: (error) => error instanceof SlackUnavailable,
          delayHintMs: (error) =>
            error instanceof SlackUnavailable && error.result.kind === 'rate_limited'
              ? error.result.retryAfterMs
              : undefined,
          onRetry: (error, attempt, delayMs) =>
            this.logger.warn(
              { group, alerts: chunk.length, attempt, delayMs, reason: (error as SlackUnavailable).message },
              'Slack delivery failed; retrying (nothing is committed meanwhile)',
            ),
          stopped: () => !current(),
          sleep: (ms) => this.waits.sleep(ms),
        },
      );
    } catch (error) {
      if (error instanceof SendingStopped || error instanceof RetryStoppedError) return null;
      throw error;
    }
  }

  private post(chunk: OutboxEntry[], payload: unknown): Promise<SlackResult> {
    const [first, ...others] = chunk;
    const links: Link[] = others
      .map((entry) => ({ context: trace.getSpanContext(entry.trace) }))
      .filter((link): link is Link => link.context !== undefined);
    return context.with(first?.trace ?? context.active(), () =>
      tracer.startActiveSpan('slack notify', { kind: SpanKind.CLIENT, links }, async (span) => {
        span.setAttribute('pulse.alert.count', chunk.length);
        try {
          const result = await this.webhook.post(payload);
          if (result.kind !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
          return result;
        } finally {
          span.end();
        }
      }),
    );
  }
}
