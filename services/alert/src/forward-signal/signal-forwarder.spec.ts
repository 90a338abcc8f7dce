import { DLQ_HEADER, type ConsumedMessage } from '@pulse/kafka';
import { StaticRules } from '../rules/rule-book';
import { MINUTE, ruleOf, windowResult } from '../testing/fixtures';
import { seriesKey, signalSchema } from './signal';
import { SignalForwarder } from './signal-forwarder';

const T = Date.parse('2026-11-24T12:00:00.000Z');

function message(
  topic: string,
  offset: number,
  value: unknown,
  headers: Record<string, string> = {},
): ConsumedMessage {
  return {
    topic,
    partition: 2,
    offset: String(offset),
    key: null,
    value: Buffer.from(JSON.stringify(value)),
    headers,
    timestamp: T,
  };
}

const signalOf = (value: unknown) => signalSchema.parse(JSON.parse(String(value)));

describe('SignalForwarder', () => {
  const spike = ruleOf('revenue_spike', { groupBy: 'category', window: '1m', factor: 3, minRevenue: 100 });

  it('forwards a window result of a watched series to alerts.signals, keyed by series', () => {
    const forwarder = new SignalForwarder(new StaticRules([spike]), 't.alerts.signals');
    const result = windowResult({ windowStartMs: T, grouping: 'category', category: 'toys' });
    const [record, ...others] = forwarder.window(message('t.metrics.windowed', 7, result));
    expect(others).toEqual([]);
    expect(record?.topic).toBe('t.alerts.signals');
    const signal = signalOf(record?.value);
    expect(record?.key).toBe(seriesKey(signal.series));
    expect(signal).toMatchObject({ mode: 'snapshot', sourceOffset: '7', windowStart: T });
    expect(signal.series).toMatchObject({ source: 'metrics', grouping: 'category', category: 'toys' });
  });

  it('drops window results of series no rule watches', () => {
    const forwarder = new SignalForwarder(new StaticRules([spike]), 't.alerts.signals');
    const other = windowResult({ windowStartMs: T, grouping: 'region', region: 'eu' });
    const longer = windowResult({ windowStartMs: T, grouping: 'category', windowSizeMs: 5 * MINUTE });
    expect(forwarder.window(message('t.metrics.windowed', 1, other))).toEqual([]);
    expect(forwarder.window(message('t.metrics.windowed', 2, longer))).toEqual([]);
  });

  it('forwards each dead letter as +1 in its minute only while a rule counts dead letters', () => {
    const deadLetter = message(
      't.dead-letter',
      9,
      { any: 'bytes' },
      {
        [DLQ_HEADER.deadLetteredAt]: new Date(T + 30_000).toISOString(),
      },
    );
    expect(new SignalForwarder(new StaticRules([spike]), 't.alerts.signals').deadLetter(deadLetter)).toEqual(
      [],
    );

    const counting = ruleOf('data_quality', { window: '5m', maxDeadLetteredPerMinute: 2 });
    const [record] = new SignalForwarder(new StaticRules([counting]), 't.alerts.signals').deadLetter(
      deadLetter,
    );
    expect(signalOf(record?.value)).toMatchObject({
      mode: 'increment',
      windowStart: T,
      contributor: 'p2',
      sourceOffset: '9',
      deadLettered: 1,
    });
  });
});
