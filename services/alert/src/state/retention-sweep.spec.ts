import { createLogger } from '@pulse/observability';
import { Registry } from 'prom-client';
import { AlertMetrics } from '../metrics/alert-metrics';
import { RetentionSweep } from './retention-sweep';

describe('RetentionSweep', () => {
  it('sweeps the delivery log first and keeps the alerts it still holds', async () => {
    const order: string[] = [];
    const kept: string[] = [];
    const metrics = new AlertMetrics(new Registry());
    const sweep = new RetentionSweep(
      {
        sweep: (keep = () => false) => {
          order.push('alerts');
          for (const fingerprint of ['held', 'gone']) if (keep(fingerprint)) kept.push(fingerprint);
          return 1;
        },
      },
      {
        sweep: async () => {
          order.push('deliveries');
          return 2;
        },
        holds: (fingerprint) => fingerprint === 'held',
      },
      metrics,
      createLogger('alert-test', 'silent'),
    );
    await sweep.sweep();
    expect(order).toEqual(['deliveries', 'alerts']);
    expect(kept).toEqual(['held']);
    const removed = await metrics.stateRemoved.get();
    expect(removed.values.map(({ labels, value }) => [labels.table, value])).toEqual([
      ['deliveries', 2],
      ['alerts', 1],
    ]);
  });

  it('never throws: a failed sweep waits for the next one, and forgets no alert meanwhile', async () => {
    let alertsSwept = false;
    const sweep = new RetentionSweep(
      { sweep: () => ((alertsSwept = true), 0) },
      {
        sweep: () => Promise.reject(new Error('Kafka down')),
        holds: () => false,
      },
      new AlertMetrics(new Registry()),
      createLogger('alert-test', 'silent'),
    );
    await expect(sweep.sweep()).resolves.toBeUndefined();
    expect(alertsSwept).toBe(false);
  });
});
