/** The part of TopicTableReader that start-up needs. */
export interface LoadableTable {
  start(): Promise<void>;
  whenReady(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

function within<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts the tables and waits for their initial load, all within `timeoutMs`. On failure the
 * tables are stopped and the error says which topics, why, and what to check, so a start-up
 * that cannot work fails fast and clearly instead of serving half-empty joins.
 */
export async function loadTables(
  tables: readonly LoadableTable[],
  topics: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  try {
    await within(
      Promise.all(tables.map((table) => table.start())),
      timeoutMs,
      'connecting to the reference topics',
    );
    const remaining = Math.max(1, deadline - Date.now());
    await Promise.all(tables.map((table) => table.whenReady(remaining)));
  } catch (error) {
    await Promise.allSettled(tables.map((table) => table.stop()));
    throw new Error(
      `reference data (${topics.join(', ')}) not loaded at start-up: ${(error as Error).message}. ` +
        'Check that Kafka is reachable and the topics exist (pulse topics ensure), ' +
        'or raise PULSE_REFERENCE_LOAD_TIMEOUT_MS for a large catalogue.',
      { cause: error },
    );
  }
}
