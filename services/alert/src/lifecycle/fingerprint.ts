import { createHash } from 'node:crypto';

/**
 * The identity of an alert (Alertmanager-style): the rule and the labels that tell its instances
 * apart (category, customer, product…), in a canonical order. Static rule labels are not part of
 * it, so editing them in the rules file does not orphan alerts that are firing.
 */
export function fingerprintOf(rule: string, identity: Readonly<Record<string, string>>): string {
  const labels = Object.entries(identity).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([rule, labels]))
    .digest('hex')
    .slice(0, 20);
}
