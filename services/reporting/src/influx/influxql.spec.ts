import { durationLiteral, equals, ident, literal, timeRange, where } from './influxql';

describe('InfluxQL building blocks', () => {
  it('quotes identifiers and string literals so no value can end the quote', () => {
    expect(ident('cart_adds')).toBe('"cart_adds"');
    expect(ident('we"ird\\')).toBe('"we\\"ird\\\\"');
    expect(literal("o'brien")).toBe("'o\\'brien'");
    expect(literal("x\\' OR 1=1")).toBe("'x\\\\\\' OR 1=1'");
    expect(equals('category', "kid's")).toBe(`"category" = 'kid\\'s'`);
    // A raw newline would end the token with a parse error (HTTP 500): it is written as \n.
    expect(literal("a\nb' OR '1'='1")).toBe("'a\\nb\\' OR \\'1\\'=\\'1'");
    expect(ident('a\nb')).toBe('"a\\nb"');
  });

  it('builds time ranges, WHERE clauses and durations', () => {
    expect(timeRange(0, 60_000)).toBe(
      "time >= '1970-01-01T00:00:00.000Z' AND time < '1970-01-01T00:01:00.000Z'",
    );
    expect(where([])).toBe('');
    expect(where(['a', 'b'])).toBe(' WHERE a AND b');
    expect([60_000, 300_000, 3_600_000, 86_400_000, 90_000, 1_500].map(durationLiteral)).toEqual([
      '1m',
      '5m',
      '1h',
      '1d',
      '90s',
      '1500ms',
    ]);
  });
});
