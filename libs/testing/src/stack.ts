import { randomBytes } from 'node:crypto';
// libs/influx's specs use the fake InfluxDB from here: a test-only cycle, accepted there and here.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { InfluxClient } from '@pulse/influx';

/** Addresses of the local stack (deploy/local), overridable for an external one. */
export const stack = {
  kafkaBrokers: (process.env.PULSE_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  influxUrl: process.env.PULSE_INFLUX_URL ?? 'http://127.0.0.1:8086',
  natsUrl: process.env.PULSE_NATS_URL ?? 'nats://127.0.0.1:4222',
  /** InfluxDB 1.8 serving the 2.x write API (deploy/local/influxdb18.sh; `startInfluxV2Api`). */
  influxV2ApiUrl:
    process.env.PULSE_INFLUXDB18_URL ?? `http://127.0.0.1:${process.env.PULSE_INFLUXDB18_PORT ?? '8186'}`,
} as const;

/**
 * A name no other test run uses, for topic prefixes, consumer groups and databases, so suites
 * never see each other's data. Lower-case letters, digits and underscores only: valid everywhere.
 */
export function uniqueName(label: string): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return `t_${safe}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Polls `probe` until it returns a value other than undefined/false, or fails with `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: last error ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * An InfluxDB client for test code itself (seeding, reading back), on the local stack's InfluxDB
 * or the one at `influxUrl`, with a timeout no test query reaches.
 */
export function testInflux(influxUrl: string = stack.influxUrl): InfluxClient {
  return new InfluxClient({ url: influxUrl, timeoutMs: 60_000 });
}

/** Drops a test's InfluxDB database (InfluxQL); best effort, as a leftover is uniquely named and harmless. */
export async function dropTestDatabase(database: string, influxUrl: string = stack.influxUrl): Promise<void> {
  try {
    await new InfluxClient({ url: influxUrl, timeoutMs: 5_000 }).dropDatabase(database);
  } catch {
    // Best effort: tools/workspace/test-leftovers.cjs removes what is left behind.
  }
}
