import secureJson from 'secure-json-parse';

/** One element of a batch body: a parsed JSON value, or the reason its NDJSON line did not parse. */
export type BatchItem = { readonly value: unknown } | { readonly unparsable: string };

/** secure-json-parse's options refusing both keys, for every JSON body and NDJSON line. */
export const REFUSE_POISONED_KEYS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * An element of a JSON array body holding a `__proto__` or `constructor.prototype` key. The body
 * parser puts it in the element's place, so the element is refused on its own, as such an NDJSON
 * line is, and no object with such a key goes further.
 */
export class PoisonedElement {
  constructor(readonly reason: string) {}
}

export type BatchItems =
  { readonly ok: true; readonly items: BatchItem[] } | { readonly ok: false; readonly message: string };

/** A JSON body must be an array of events. */
export function itemsOfJsonArray(body: unknown): BatchItems {
  if (!Array.isArray(body)) return { ok: false, message: 'the body must be a JSON array of events' };
  return {
    ok: true,
    items: body.map((value: unknown) =>
      value instanceof PoisonedElement ? { unparsable: `not valid JSON: ${value.reason}` } : { value },
    ),
  };
}

/**
 * NDJSON: one event per line; blank lines are skipped, so `index` counts events, not lines.
 * A line that is not JSON is rejected on its own instead of failing the whole batch, and
 * `__proto__` / `constructor.prototype` keys are refused as in JSON bodies.
 */
export function itemsOfNdjson(body: string, maxItems: number): BatchItem[] {
  const items: BatchItem[] = [];
  for (const rawLine of body.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (items.length === maxItems) {
      // One over the limit is enough to refuse the batch; parsing the rest would be wasted work.
      items.push({ unparsable: 'over the batch limit' });
      break;
    }
    try {
      items.push({
        value: secureJson.parse(line, null, REFUSE_POISONED_KEYS) as unknown,
      });
    } catch (error) {
      items.push({ unparsable: `not valid JSON: ${(error as Error).message}` });
    }
  }
  return items;
}
