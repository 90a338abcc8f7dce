import pino from 'pino';
import { TableKafkaDouble } from '@pulse/testing';
import { TrackedTable, type KafkaClient } from './tracked-table';

function fakeKafka() {
  const table = new TableKafkaDouble({ topic: 't' });
  return {
    kafka: table.kafka as KafkaClient,
    setHigh: (offset: number) => void (table.high = offset),
    deliver: (offsets: number[]) =>
      table.deliver(
        offsets.map((offset) => ({ key: `k${offset}`, value: 'v' })),
        offsets[0],
      ),
    endBatch: (lastOffset: number) => table.endBatch(lastOffset),
  };
}

describe('TrackedTable.waitUntilCaughtUp', () => {
  it('counts a transaction marker at the end of a partition as read', async () => {
    const { kafka, setHigh, deliver, endBatch } = fakeKafka();
    const table = new TrackedTable<string>(
      kafka,
      { topic: 't', groupIdPrefix: 'g', decode: (message) => String(message.value) },
      pino({ level: 'silent' }),
    );
    await table.start(100);
    // A re-drive wrote offsets 0 and 1 in a transaction; its commit marker is offset 2.
    setHigh(3);
    await deliver([0, 1]);
    await expect(table.waitUntilCaughtUp(50)).rejects.toThrow('t not read up to its end within 50 ms');
    endBatch(2);
    await expect(table.waitUntilCaughtUp(50)).resolves.toBeUndefined();
  });
});
