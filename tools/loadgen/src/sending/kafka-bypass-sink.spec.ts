import type { Outcome } from '../ground-truth/ground-truth-builder';
import type { GeneratedItem, ItemRoute } from '../scenarios/generated-item';
import { RoutingSink } from './kafka-bypass-sink';
import type { BatchSink } from './paced-run';

const item = (seq: number, route: ItemRoute): GeneratedItem => ({
  seq,
  sendAtMs: 0,
  kind: route === 'kafka' ? 'malformed' : 'event',
  eventId: `e${seq}`,
  line: '{}',
  event: undefined,
  malformedKind: undefined,
  route,
  tags: [],
});

function sink(outcome: Outcome, seen: number[][]): BatchSink {
  return {
    send: async (batch) => {
      seen.push(batch.map((entry) => entry.seq));
      return batch.map(() => outcome);
    },
  };
}

describe('RoutingSink', () => {
  it('sends each item along its route and answers in batch order', async () => {
    const api: number[][] = [];
    const kafka: number[][] = [];
    const routing = new RoutingSink(sink('rejected', api), sink('accepted', kafka));
    const outcomes = await routing.send([item(0, 'api'), item(1, 'kafka'), item(2, 'api'), item(3, 'kafka')]);
    expect(outcomes).toEqual(['rejected', 'accepted', 'rejected', 'accepted']);
    expect(api).toEqual([[0, 2]]);
    expect(kafka).toEqual([[1, 3]]);
  });

  it('leaves Kafka alone when the batch has nothing for it', async () => {
    const kafka: number[][] = [];
    const routing = new RoutingSink(sink('accepted', []), sink('accepted', kafka));
    await routing.send([item(0, 'api')]);
    expect(kafka).toEqual([]);
  });

  it('refuses Kafka-routed items without a Kafka sink', async () => {
    await expect(new RoutingSink(sink('accepted', []), undefined).send([item(0, 'kafka')])).rejects.toThrow(
      'no --kafka-brokers',
    );
  });
});
