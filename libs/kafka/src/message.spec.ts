import type { KafkaMessage } from 'kafkajs';
import { decodeHeaders, toConsumedMessage } from './message';

describe('decodeHeaders', () => {
  it('decodes Buffers and strings, takes the last of repeated headers and skips undefined ones', () => {
    expect(
      decodeHeaders({
        a: Buffer.from('from-buffer'),
        b: 'plain',
        c: [Buffer.from('first'), Buffer.from('last')],
        d: undefined,
        e: Buffer.from('ünïcode'),
      }),
    ).toEqual({ a: 'from-buffer', b: 'plain', c: 'last', e: 'ünïcode' });
  });

  it('gives an empty object for no headers', () => {
    expect(decodeHeaders(undefined)).toEqual({});
    expect(decodeHeaders({})).toEqual({});
  });
});

describe('toConsumedMessage', () => {
  it('keeps bytes, offset and timestamp, and decodes headers', () => {
    const raw: KafkaMessage = {
      key: Buffer.from('cust-1'),
      value: Buffer.from('{"a":1}'),
      timestamp: '1764000000123',
      attributes: 0,
      offset: '42',
      headers: { traceparent: Buffer.from('00-abc') },
    };
    expect(toConsumedMessage('events.raw', 2, raw)).toEqual({
      topic: 'events.raw',
      partition: 2,
      offset: '42',
      key: Buffer.from('cust-1'),
      value: Buffer.from('{"a":1}'),
      headers: { traceparent: '00-abc' },
      timestamp: 1_764_000_000_123,
    });
  });

  it('keeps null keys and tombstones', () => {
    const raw: KafkaMessage = { key: null, value: null, timestamp: '1', attributes: 0, offset: '0', size: 0 };
    expect(toConsumedMessage('t', 0, raw)).toMatchObject({ key: null, value: null, headers: {} });
  });
});
