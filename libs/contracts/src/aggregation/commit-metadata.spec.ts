import { decodeCommitMetadata, encodeCommitMetadata, replayMetadata } from './commit-metadata';

describe('commit metadata', () => {
  it('round-trips, including "none yet"', () => {
    const values = { maxEventTime: 1_767_225_600_000, frontier: Number.NEGATIVE_INFINITY };
    const text = encodeCommitMetadata(values);
    expect(text).toBe('{"v":1,"m":1767225600000,"f":null}');
    expect(decodeCommitMetadata(text)).toEqual(values);
  });

  it('ignores metadata that is absent or not ours', () => {
    expect(decodeCommitMetadata(null)).toBeUndefined();
    expect(decodeCommitMetadata('')).toBeUndefined();
    expect(decodeCommitMetadata('not json')).toBeUndefined();
    expect(decodeCommitMetadata('{"v":2,"m":1,"f":1}')).toBeUndefined();
  });

  it('marks the windows before a replay point as written, with no max event time yet', () => {
    const from = Date.parse('2026-03-01T12:05:00Z');
    const text = encodeCommitMetadata(replayMetadata(from));
    expect(text).toBe(`{"v":1,"m":null,"f":${from}}`);
    expect(decodeCommitMetadata(text)).toEqual({ maxEventTime: Number.NEGATIVE_INFINITY, frontier: from });
  });
});
