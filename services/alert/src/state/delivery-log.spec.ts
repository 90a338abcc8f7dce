import type { OutgoingRecord } from '@pulse/kafka';
import { createLogger } from '@pulse/observability';
import { TableKafkaDouble } from '@pulse/testing';
import { DeliveryLog, type Delivery } from './delivery-log';

const HOUR = 3_600_000;
const T = Date.parse('2026-11-24T12:00:00.000Z');

async function started(retentionMs: number) {
  let now = T;
  const table = new TableKafkaDouble({ topic: 'alerts.deliveries' });
  const { kafka } = table;
  const deliver = (records: Parameters<TableKafkaDouble['deliver']>[0]) => table.deliver(records);
  const sent: OutgoingRecord[] = [];
  const log = new DeliveryLog(
    kafka,
    'alerts.deliveries',
    'g',
    { send: async (records: OutgoingRecord[]) => void sent.push(...records) },
    createLogger('alert-test', 'silent'),
    { retentionMs },
    () => now,
  );
  await log.start(1_000);
  return { log, sent, deliver, setNow: (ms: number) => (now = ms) };
}

const delivery = (fingerprint: string, at: number, overrides: Partial<Delivery> = {}): Delivery => ({
  channel: 'slack',
  fingerprint,
  sequence: 1,
  state: 'resolved',
  outcome: 'delivered',
  at: new Date(at).toISOString(),
  ...overrides,
});

describe('DeliveryLog', () => {
  it('tombstones and forgets entries older than the retention; they no longer count as handled', async () => {
    const { log, sent, deliver, setNow } = await started(24 * HOUR);
    await log.record([delivery('old', T), delivery('new', T + 20 * HOUR)]);
    await deliver(sent.splice(0).map((record) => ({ key: String(record.key), value: String(record.value) })));
    expect(log.handled('slack', 'old', 1)).toBe(true);

    setNow(T + 25 * HOUR);
    expect(log.handled('slack', 'old', 1)).toBe(false);
    expect(log.holds('old')).toBe(true);
    expect(await log.sweep()).toBe(1);
    expect(sent.splice(0)).toEqual([{ topic: 'alerts.deliveries', key: 'slack/old', value: null }]);
    expect(log.holds('old')).toBe(false);
    expect(log.size()).toBe(1);
    expect(log.handled('slack', 'new', 1)).toBe(true);

    // Every instance reads the tombstone (its own, or another instance's) and drops the entry.
    await log.record([delivery('gone', T + 25 * HOUR)]);
    await deliver([
      ...sent.splice(0).map((record) => ({ key: String(record.key), value: String(record.value) })),
      { key: 'slack/gone', value: null },
    ]);
    expect(log.holds('gone')).toBe(false);
  });

  it('does not count a dead-lettered record as handled (it stays re-drivable)', async () => {
    const { log } = await started(24 * HOUR);
    await log.record([delivery('x', T, { state: 'firing', sequence: 0, outcome: 'dead_lettered' })]);
    expect(log.handled('slack', 'x', 0)).toBe(false);
  });

  it('is caught up after a partition that ends with a tombstone', async () => {
    const { log, deliver } = await started(24 * HOUR);
    await deliver([{ key: 'slack/a', value: null }]);
    await expect(log.waitUntilCaughtUp(200)).resolves.toBeUndefined();
  });
});
