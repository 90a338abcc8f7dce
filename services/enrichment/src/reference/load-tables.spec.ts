import { loadTables, type LoadableTable } from './load-tables';

class FakeTable implements LoadableTable {
  stopped = false;
  constructor(
    private readonly startMs: number,
    private readonly loadMs: number,
    private readonly startError?: Error,
  ) {}
  async start(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.startMs));
    if (this.startError) throw this.startError;
  }
  whenReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.loadMs > timeoutMs)
        setTimeout(() => reject(new Error(`not loaded within ${timeoutMs} ms`)), timeoutMs);
      else setTimeout(resolve, this.loadMs);
    });
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

describe('loadTables', () => {
  it('resolves once every table is loaded', async () => {
    const tables = [new FakeTable(5, 10), new FakeTable(1, 20)];
    await expect(loadTables(tables, ['a', 'b'], 1000)).resolves.toBeUndefined();
    expect(tables.some((table) => table.stopped)).toBe(false);
  });

  it('fails clearly, naming the topics, when the load takes too long, and stops the tables', async () => {
    const tables = [new FakeTable(5, 10), new FakeTable(5, 400)];
    await expect(loadTables(tables, ['p.reference.products', 'p.reference.customers'], 200)).rejects.toThrow(
      /^reference data \(p.reference.products, p.reference.customers\) not loaded at start-up: not loaded within \d+ ms\. .*PULSE_REFERENCE_LOAD_TIMEOUT_MS/,
    );
    expect(tables.every((table) => table.stopped)).toBe(true);
  });

  it('counts connecting against the same budget', async () => {
    const tables = [new FakeTable(300, 0)];
    await expect(loadTables(tables, ['t'], 100)).rejects.toThrow(
      /connecting to the reference topics took longer than 100 ms/,
    );
  });

  it('passes on why a topic could not be read', async () => {
    const tables = [new FakeTable(1, 0, new Error('This server does not host this topic-partition'))];
    await expect(loadTables(tables, ['t'], 1000)).rejects.toThrow(
      /does not host this topic-partition\. Check that Kafka is reachable and the topics exist/,
    );
  });
});
