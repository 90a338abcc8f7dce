import type { Admin, Kafka } from 'kafkajs';
import { KafkaAdmin } from './admin';

/** The few kafkajs admin calls the port makes, answering for one topic of two partitions. */
function fakeKafka() {
  const admin = {
    connect: jest.fn(async () => undefined),
    disconnect: jest.fn(async () => undefined),
    listTopics: async () => ['t.events.enriched'],
    fetchTopicOffsets: async () => [
      { partition: 0, offset: '9', low: '2', high: '9' },
      { partition: 1, offset: '0', low: '0', high: '0' },
    ],
    fetchOffsets: async () => [
      {
        topic: 't.events.enriched',
        partitions: [
          { partition: 0, offset: '7', metadata: '{"v":1}' },
          { partition: 1, offset: '-1', metadata: null },
        ],
      },
    ],
  } as unknown as Admin & { connect: jest.Mock; disconnect: jest.Mock };
  return { admin, kafka: { admin: () => admin } as unknown as Kafka };
}

describe('KafkaAdmin', () => {
  it('connects, answers in Pulse terms, and disconnects', async () => {
    const { admin, kafka } = fakeKafka();
    const port = await KafkaAdmin.connect(kafka);
    expect(admin.connect).toHaveBeenCalledTimes(1);
    expect(await port.partitionBounds('t.events.enriched')).toEqual(
      new Map([
        [0, { low: '2', high: '9' }],
        [1, { low: '0', high: '0' }],
      ]),
    );
    expect(await port.committedOffsets('agg', 't.events.enriched')).toEqual(
      new Map([
        [0, { offset: '7', metadata: '{"v":1}' }],
        [1, { offset: '-1', metadata: null }],
      ]),
    );
    expect(await port.topicExists('t.events.enriched')).toBe(true);
    expect(await port.topicExists('t.dead-letter')).toBe(false);
    await port.disconnect();
    expect(admin.disconnect).toHaveBeenCalledTimes(1);
  });
});
