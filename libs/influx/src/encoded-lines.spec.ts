import { EncodedLines } from './encoded-lines';

describe('EncodedLines', () => {
  // Escaped spaces and commas, multi-byte UTF-8 (2, 3 and 4 bytes) and an escaped quote in a string field.
  const lines = [
    'activity,grouping=total,window=1m orders=3i,revenue_eur=12.5 1764000000000',
    'activity,grouping=category,category=caf\u00e9\\ cr\u00e8me orders=1i 1764000000000',
    'activity,grouping=region,region=\u6771\u4eac\\,JP orders=2i 1764000000000',
    'dead_letter,topic=events.dlq note="say \\"hi\\" \u{1f600}" 1764000000000',
  ];

  it('encodes the lines once: the body is their UTF-8 joined by newlines, and decodes back to them', () => {
    const encoded = EncodedLines.of(lines);
    expect(encoded.count).toBe(4);
    expect(encoded.body().equals(Buffer.from(lines.join('\n'), 'utf8'))).toBe(true);
    expect(encoded.lines()).toEqual(lines);
  });

  it('slices by line without copying, clamped to its own lines, and slices of slices stay aligned', () => {
    const encoded = EncodedLines.of(lines);
    const middle = encoded.slice(1, 3);
    expect(middle.count).toBe(2);
    expect(middle.lines()).toEqual(lines.slice(1, 3));
    expect(middle.body().toString('utf8')).toBe(lines.slice(1, 3).join('\n'));
    expect(middle.body().buffer).toBe(encoded.body().buffer);
    expect(middle.slice(1).lines()).toEqual([lines[2]]);
    expect(middle.slice(-5, 10).lines()).toEqual(lines.slice(1, 3));
    expect(encoded.slice(3, 1).count).toBe(0);
  });

  it('has an empty body for no lines, and passes encoded lines through unchanged', () => {
    const none = EncodedLines.of([]);
    expect(none.count).toBe(0);
    expect(none.body()).toHaveLength(0);
    expect(none.lines()).toEqual([]);
    expect(EncodedLines.of(lines).slice(2, 2).body()).toHaveLength(0);
    const encoded = EncodedLines.of(lines);
    expect(EncodedLines.of(encoded)).toBe(encoded);
  });
});
