import { TransientError, type ConsumedMessage } from '@pulse/kafka';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import { alertEvent } from '../testing/fixtures';
import { NatsNotifier, subjectOf } from './nats-notifier';

describe('NATS notifications', () => {
  it('builds alerts.<severity>.<rule> with safe tokens', () => {
    expect(subjectOf({ severity: 'critical', rule: 'fraud-velocity' })).toBe(
      'alerts.critical.fraud-velocity',
    );
    expect(subjectOf({ severity: 'info', rule: 'a.b *>c' })).toBe('alerts.info.a_b___c');
  });

  it('fails transiently, committing nothing, while NATS is not connected', async () => {
    const notifier = new NatsNotifier(
      { current: () => null },
      { silencing: () => [] },
      new AlertMetrics(new Registry()),
      100,
    );
    const message: ConsumedMessage = {
      topic: 'alerts',
      partition: 0,
      offset: '0',
      key: null,
      value: Buffer.from(JSON.stringify(alertEvent())),
      headers: {},
      timestamp: 0,
    };
    await expect(notifier.handle(message)).rejects.toThrow(TransientError);
  });
});
