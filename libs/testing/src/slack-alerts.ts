import type { SlackMessage } from '@pulse/fleet';

const CONTEXT = /fingerprint `([^`]+)` · #(\d+)/g;

/**
 * The alert transitions (`fingerprint#sequence`) a Slack message is about: the alert service puts
 * each alert's fingerprint and sequence in a context block (services/alert slack-message.ts).
 */
export function transitionsIn(message: SlackMessage): string[] {
  const keys: string[] = [];
  collect(message.payload, keys);
  return keys;
}

function collect(node: unknown, keys: string[]): void {
  if (typeof node === 'string') {
    for (const match of node.matchAll(CONTEXT)) keys.push(`${match[1]}#${match[2]}`);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const value of Object.values(node)) collect(value, keys);
}

/** Keys listed more than once. */
export function repeated(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const key of keys) (seen.has(key) ? twice : seen).add(key);
  return [...twice];
}
