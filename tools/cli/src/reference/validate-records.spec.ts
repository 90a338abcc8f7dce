import { parseCsvRecords, parseJsonArray } from './read-records';
import { CUSTOMERS, PRODUCTS } from './reference-kinds';
import { describeInvalid, validateRecords } from './validate-records';

describe('validateRecords', () => {
  it('keeps valid records normalised and reports invalid ones with line and path', () => {
    const text = JSON.stringify(
      [
        {
          id: 'p-1',
          name: ' Mug ',
          category: 'Kitchen',
          price: 9.99,
          currency: 'usd',
          tags: ['a'],
          stock: 3,
        },
        { id: 'p-2', name: 'Pan', category: 'kitchen', price: -1, currency: 'USD', stock: 1 },
        { id: 'p-1', name: 'Mug v2', category: 'kitchen', price: 10.99, currency: 'USD', stock: 2 },
      ],
      null,
      2,
    );
    const result = validateRecords(PRODUCTS, parseJsonArray(text, 'p.json'));
    expect(result.valid).toEqual([
      { id: 'p-1', name: 'Mug', category: 'kitchen', price: 9.99, currency: 'USD', tags: ['a'], stock: 3 },
      { id: 'p-1', name: 'Mug v2', category: 'kitchen', price: 10.99, currency: 'USD', tags: [], stock: 2 },
    ]);
    expect(result.duplicateIds).toEqual(['p-1']);
    expect(result.invalid).toHaveLength(1);
    expect(describeInvalid('p.json', result.invalid[0]!)).toEqual([
      'p.json:13 (record 2): price: must not be negative',
    ]);
  });

  it('checks customers from CSV: signup time and country', () => {
    const csv = 'id,segment,signupTime,country\nc-1,VIP,2024-05-01T10:00:00Z,de\nc-2,new,yesterday,Germany\n';
    const result = validateRecords(CUSTOMERS, parseCsvRecords(csv, 'c.csv', CUSTOMERS.csv));
    expect(result.valid).toEqual([
      { id: 'c-1', segment: 'vip', signupTime: '2024-05-01T10:00:00Z', country: 'DE' },
    ]);
    expect(describeInvalid('c.csv', result.invalid[0]!)).toEqual([
      'c.csv:3 (record 2): signupTime: must be an RFC 3339 timestamp with a time zone',
      'c.csv:3 (record 2): country: must be an ISO 3166-1 alpha-2 code such as DE',
    ]);
  });
});
