import { EVENT_HEADER, eventIdOf } from '@pulse/contracts';
import { readAll, type TestTopics } from './kafka-fixtures';

/** The event id (see eventIdOf) of every record in `topic`, repeats included, in offset order. */
export async function eventIdsIn(kafka: TestTopics['kafka'], topic: string): Promise<string[]> {
  const messages = await readAll(kafka, topic, { timeoutMs: 60_000 });
  return messages.map((message) => {
    const id = eventIdOf(message.headers);
    if (id === undefined) {
      throw new Error(`${topic} ${message.partition}@${message.offset} has no ${EVENT_HEADER.id} header`);
    }
    return id;
  });
}

/** The members of `expected` that are missing from `actual` (at most `limit`, for messages). */
export function missingFrom(actual: Iterable<string>, expected: Iterable<string>, limit = 20): string[] {
  const present = new Set(actual);
  const missing: string[] = [];
  for (const id of expected) {
    if (!present.has(id)) missing.push(id);
    if (missing.length >= limit) break;
  }
  return missing;
}
