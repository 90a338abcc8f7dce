import { OtlpReceiver, spansOf } from './otlp-receiver';

const EXPORT = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'pulse-enrichment' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'b7ad6b7169203331',
              parentSpanId: '00f067aa0ba902b7',
              name: 'process t.events.raw',
              kind: 5,
              attributes: [
                { key: 'messaging.destination.name', value: { stringValue: 't.events.raw' } },
                { key: 'messaging.kafka.offset', value: { intValue: '42' } },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP receiver', () => {
  it('flattens an OTLP JSON export into spans with their service name', () => {
    expect(spansOf(EXPORT)).toEqual([
      {
        serviceName: 'pulse-enrichment',
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        parentSpanId: '00f067aa0ba902b7',
        name: 'process t.events.raw',
        kind: 5,
        attributes: { 'messaging.destination.name': 't.events.raw', 'messaging.kafka.offset': 42 },
      },
    ]);
  });

  it('receives what an exporter posts to /v1/traces and refuses other bodies', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      const post = (type: string) =>
        fetch(`${receiver.endpoint}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': type },
          body: JSON.stringify(EXPORT),
        });
      expect((await post('application/json')).status).toBe(200);
      expect((await post('application/x-protobuf')).status).toBe(415);
      expect(receiver.trace('0af7651916cd43dd8448eb211c80319c')).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
