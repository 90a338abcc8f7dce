import type { AlertEvent } from '@pulse/contracts';
import type { DeliveryLog } from '../state/delivery-log';
import type { SilenceStore } from '../manage-silences/silence-store';
import { SEVERITY_RANK, type OutboxEntry } from './slack-outbox';

export interface Triage {
  /** Need no message and no delivery record: past the retention, or already (or newer) handled. */
  skipped: { entry: OutboxEntry; outcome: 'expired' | 'duplicate' }[];
  /** Muted by a silence: recorded as handled, not sent. */
  silenced: OutboxEntry[];
  /** One entry per alert, its newest state, the most severe first. */
  sendable: OutboxEntry[];
}

export interface TriageRules {
  deliveries: Pick<DeliveryLog, 'handled'>;
  silences: Pick<SilenceStore, 'silencing'>;
  /** Records updated before this (ms since the epoch) are past the retention. */
  expiredBefore: number;
}

/**
 * Sorts a group's entries by what they need. An alert's records all share its group, and only
 * its newest waiting state is sent, so firing is never overtaken by its resolution.
 */
export function triage(entries: readonly OutboxEntry[], rules: TriageRules): Triage {
  const result: Triage = { skipped: [], silenced: [], sendable: [] };
  const toSend = new Map<string, OutboxEntry>();
  for (const entry of entries) {
    const { alert } = entry;
    if (Date.parse(alert.updatedAt) < rules.expiredBefore) {
      result.skipped.push({ entry, outcome: 'expired' });
      continue;
    }
    if (rules.deliveries.handled('slack', alert.fingerprint, alert.sequence)) {
      result.skipped.push({ entry, outcome: 'duplicate' });
      continue;
    }
    const newer = toSend.get(alert.fingerprint);
    if (newer && newer.alert.sequence >= alert.sequence) {
      result.skipped.push({ entry, outcome: 'duplicate' });
      continue;
    }
    if (newer) result.skipped.push({ entry: newer, outcome: 'duplicate' });
    if (rules.silences.silencing(alert).length > 0) result.silenced.push(entry);
    else toSend.set(alert.fingerprint, entry);
  }
  // Stable sort: one entry per alert, so no alert's records are reordered.
  result.sendable = [...toSend.values()].sort((a, b) => bySeverity(b.alert) - bySeverity(a.alert));
  return result;
}

function bySeverity(alert: AlertEvent): number {
  return SEVERITY_RANK[alert.severity];
}
