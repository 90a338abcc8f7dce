import type { AlertEvent } from '@pulse/contracts';
import { createLogger } from '@pulse/observability';
import { TableKafkaDouble } from '@pulse/testing';
import { alertEvent } from '../testing/fixtures';
import { AlertStateStore, ORIGIN_HEADER } from './alert-state-store';

const HOUR = 3_600_000;
const T = Date.parse('2026-11-24T12:00:00.000Z');

async function started(retentionMs = 24 * HOUR) {
  let now = T;
  const table = new TableKafkaDouble({ topic: 'alerts' });
  const { kafka } = table;
  const deliver = (records: Parameters<TableKafkaDouble['deliver']>[0]) => table.deliver(records);
  const store = new AlertStateStore(
    kafka,
    'alerts',
    'g',
    createLogger('alert-test', 'silent'),
    { retentionMs },
    () => now,
  );
  await store.start(1_000);
  const write = (...events: AlertEvent[]) =>
    deliver(
      events.map((event) => ({
        key: event.fingerprint,
        value: JSON.stringify(event),
        headers: { [ORIGIN_HEADER]: 'events.enriched/0' },
      })),
    );
  return { store, write, setNow: (ms: number) => (now = ms) };
}

const at = (ms: number) => new Date(ms).toISOString();
const fired = (fingerprint: string, time: number, sequence = 0) =>
  alertEvent({ fingerprint, rule: 'low-stock', startsAt: at(time), updatedAt: at(time), sequence });
const resolved = (fingerprint: string, time: number, sequence = 1) =>
  alertEvent({
    fingerprint,
    rule: 'low-stock',
    state: 'resolved',
    startsAt: at(time - HOUR),
    updatedAt: at(time),
    endsAt: at(time),
    sequence,
  });

describe('AlertStateStore', () => {
  it('forgets resolved alerts past the retention, keeps firing ones and younger resolutions', async () => {
    const { store, write, setNow } = await started(24 * HOUR);
    // A flood of made-up products that fired and resolved, one that still fires, one fresh resolution.
    const flood = Array.from({ length: 2_000 }, (_, index) => `fake-${index}`);
    await write(...flood.map((fp) => fired(fp, T)), ...flood.map((fp) => resolved(fp, T + HOUR)));
    await write(fired('still-firing', T), resolved('recent', T + 20 * HOUR));
    expect(store.size()).toBe(2_002);

    setNow(T + 26 * HOUR);
    expect(store.sweep()).toBe(2_000);
    expect(store.size()).toBe(2);
    expect(store.get('fake-1')).toBeUndefined();
    expect(store.get('still-firing')?.state).toBe('firing');
    expect(store.get('recent')?.state).toBe('resolved');
    expect(store.firingCount('low-stock')).toBe(1);
  });

  it('keeps an expired alert while another table still holds it', async () => {
    const { store, write, setNow } = await started(HOUR);
    await write(fired('a', T), resolved('a', T + HOUR), fired('b', T), resolved('b', T + HOUR));
    setNow(T + 3 * HOUR);
    expect(store.sweep((fingerprint) => fingerprint === 'a')).toBe(1);
    expect(store.get('a')).toBeDefined();
    expect(store.get('b')).toBeUndefined();
  });

  it('does not take in a resolution already past the retention (a start-up, a re-driven copy)', async () => {
    const { store, write, setNow } = await started(HOUR);
    setNow(T + 5 * HOUR);
    await write(resolved('old', T + HOUR));
    expect(store.get('old')).toBeUndefined();
    expect(store.size()).toBe(0);
  });

  it('counts firing alerts per rule as decisions and echoes come in', async () => {
    const { store, write } = await started();
    store.remember(fired('x', T), 'events.enriched/0');
    store.remember(fired('y', T), 'events.enriched/0');
    expect(store.firingCount('low-stock')).toBe(2);
    await write(fired('x', T), resolved('x', T + 1));
    expect(store.firingCount('low-stock')).toBe(1);
    store.forgetUnconfirmed();
    expect(store.firingCount('low-stock')).toBe(0);
  });
});
