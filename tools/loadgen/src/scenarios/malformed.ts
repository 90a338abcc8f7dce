import type { PulseEvent } from '@pulse/contracts';
import type { MalformedKind } from './generated-item';

/**
 * Turns a valid order into one specific kind of invalid input. Each kind breaks exactly one
 * rule, so ingestion's reason can be checked against it.
 */
export function malformedLine(kind: MalformedKind, validOrder: PulseEvent): string {
  const event = structuredClone(validOrder) as Record<string, unknown> & { data: Record<string, unknown> };
  switch (kind) {
    case 'invalid-json': {
      const json = JSON.stringify(event);
      return json.slice(0, Math.floor(json.length / 2));
    }
    case 'unknown-type':
      return JSON.stringify({ ...event, type: 'com.pulse.coupon.redeemed.v1' });
    case 'missing-customer': {
      const { customerid: _dropped, ...rest } = event;
      return JSON.stringify(rest);
    }
    case 'negative-quantity': {
      const lines = event.data.lines as Record<string, unknown>[];
      return JSON.stringify({ ...event, data: { ...event.data, lines: [{ ...lines[0], quantity: -1 }] } });
    }
    case 'bad-time':
      return JSON.stringify({ ...event, time: '31/12/2025 10:00' });
    case 'bad-currency':
      return JSON.stringify({ ...event, data: { ...event.data, currency: 'DOLLARS' } });
  }
}
