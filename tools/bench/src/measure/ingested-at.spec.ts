import { enrichedAtOf, ingestedAtOf } from './ingested-at';

describe('ingestedAtOf', () => {
  it('finds the attribute anywhere in the encoded event', () => {
    const event = {
      id: 'e-1',
      data: { productId: 'p' },
      ingestedat: '2026-11-24T15:00:00.123Z',
      enrichment: {},
    };
    expect(ingestedAtOf(Buffer.from(JSON.stringify(event)))).toBe(Date.parse('2026-11-24T15:00:00.123Z'));
  });

  it('is NaN when the attribute is missing, unterminated or not a time', () => {
    expect(ingestedAtOf(Buffer.from('{"id":"e"}'))).toBeNaN();
    expect(ingestedAtOf(Buffer.from('{"ingestedat":"2026-11-24T15:00:00Z'))).toBeNaN();
    expect(ingestedAtOf(Buffer.from('{"ingestedat":"yesterday"}'))).toBeNaN();
  });
});

describe('enrichedAtOf', () => {
  it('finds the enrichment time inside the enrichment attribute', () => {
    const event = {
      ingestedat: '2026-11-24T15:00:00Z',
      enrichment: { status: 'complete', enrichedAt: '2026-11-24T15:00:00.020Z' },
    };
    expect(enrichedAtOf(Buffer.from(JSON.stringify(event)))).toBe(Date.parse('2026-11-24T15:00:00.020Z'));
  });
});
