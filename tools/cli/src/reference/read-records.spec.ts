import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli';
import { jsonArrayElementLines } from './json-element-lines';
import { formatOf, parseCsvRecords, parseJsonArray, parseNdjson, readRecords } from './read-records';
import { PRODUCTS } from './reference-kinds';

describe('jsonArrayElementLines', () => {
  it('finds the line each top-level element starts on, ignoring brackets and commas in strings', () => {
    const text = '[\n  {"a": "x,]}[{"},\n  {\n    "b": [1,\n 2]\n  },\n\n  "s",  3\n]';
    expect(jsonArrayElementLines(text)).toEqual([2, 3, 8, 8]);
    expect(jsonArrayElementLines('[]')).toEqual([]);
    expect(jsonArrayElementLines('[{"q":"\\"]"}, 1]')).toEqual([1, 1]);
  });
});

describe('reading reference files', () => {
  it('tells the format from the extension', () => {
    expect(formatOf('a/products.json')).toBe('json');
    expect(formatOf('c.CSV')).toBe('csv');
    expect(formatOf('x.jsonl')).toBe('ndjson');
    expect(() => formatOf('x.txt')).toThrow(CliError);
  });

  it('numbers JSON array records by index and line', () => {
    const records = parseJsonArray('[\n  {"id": "a"},\n  {"id": "b"}\n]', 'f.json');
    expect(records).toEqual([
      { index: 0, line: 2, value: { id: 'a' } },
      { index: 1, line: 3, value: { id: 'b' } },
    ]);
    expect(() => parseJsonArray('{"id": 1}', 'f.json')).toThrow('f.json: expected a JSON array of records');
    expect(() => parseJsonArray('[{"id": }]', 'f.json')).toThrow(/^f.json: not valid JSON/);
  });

  it('reads NDJSON with the line of each record', () => {
    expect(parseNdjson('{"id":"a"}\n\n{"id":"b"}\n', 'f.ndjson')).toEqual([
      { index: 0, line: 1, value: { id: 'a' } },
      { index: 1, line: 3, value: { id: 'b' } },
    ]);
    expect(() => parseNdjson('{"id":"a"}\n{oops', 'f.ndjson')).toThrow(/^f.ndjson:2: not valid JSON/);
  });

  it('types CSV cells: numbers, "|" lists, empty cells left out, text kept for validation to judge', () => {
    const csv =
      'id,name,category,price,currency,tags,stock\np-1,Mug,kitchen,9.99,usd,a| b ,12\np-2,Pan,kitchen,cheap,USD,,\n';
    expect(parseCsvRecords(csv, 'p.csv', PRODUCTS.csv)).toEqual([
      {
        index: 0,
        line: 2,
        value: {
          id: 'p-1',
          name: 'Mug',
          category: 'kitchen',
          price: 9.99,
          currency: 'usd',
          tags: ['a', 'b'],
          stock: 12,
        },
      },
      {
        index: 1,
        line: 3,
        value: {
          id: 'p-2',
          name: 'Pan',
          category: 'kitchen',
          price: 'cheap',
          currency: 'USD',
          tags: [],
          stock: undefined,
        },
      },
    ]);
  });

  it('reports a malformed CSV with its reason', () => {
    expect(() => parseCsvRecords('id,segment\nc-1,new,extra\n', 'c.csv')).toThrow(/^c.csv: not valid CSV: /);
  });

  it('reads a file by its extension and says when it cannot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pulse-cli-'));
    await writeFile(join(dir, 'c.csv'), 'id,segment,signupTime,country\nc-1,new,2026-01-01T00:00:00Z,de\n');
    expect(await readRecords(join(dir, 'c.csv'))).toHaveLength(1);
    await expect(readRecords(join(dir, 'missing.json'))).rejects.toThrow(/^cannot read .*missing.json/);
  });
});
