import { PoisonedElement, itemsOfJsonArray, itemsOfNdjson } from './batch-items';

describe('batch bodies', () => {
  it('takes a JSON array element by element', () => {
    expect(itemsOfJsonArray([{ a: 1 }, 'x'])).toEqual({
      ok: true,
      items: [{ value: { a: 1 } }, { value: 'x' }],
    });
  });

  it('refuses an element the body parser marked as poisoned on its own', () => {
    expect(
      itemsOfJsonArray([{ a: 1 }, new PoisonedElement('Object contains forbidden prototype property')]),
    ).toEqual({
      ok: true,
      items: [
        { value: { a: 1 } },
        { unparsable: 'not valid JSON: Object contains forbidden prototype property' },
      ],
    });
  });

  it.each([{ a: 1 }, 'text', 3, null])('refuses a JSON body that is not an array (%p)', (body) => {
    expect(itemsOfJsonArray(body)).toEqual({ ok: false, message: 'the body must be a JSON array of events' });
  });

  it('parses NDJSON line by line, skipping blank lines and CRLF endings', () => {
    expect(itemsOfNdjson('{"a":1}\r\n\n  \n{"b":2}\n', 10)).toEqual([
      { value: { a: 1 } },
      { value: { b: 2 } },
    ]);
  });

  it('rejects a line that is not JSON on its own, keeping its neighbours', () => {
    expect(itemsOfNdjson('{"a":1}\n{"b":\n{"c":3}', 10)).toEqual([
      { value: { a: 1 } },
      { unparsable: expect.stringMatching(/^not valid JSON: /) },
      { value: { c: 3 } },
    ]);
  });

  it('refuses prototype-poisoning keys in a line', () => {
    const items = itemsOfNdjson('{"__proto__":{"x":1}}\n{"constructor":{"prototype":{"x":1}}}', 10);
    expect(items).toEqual([{ unparsable: expect.any(String) }, { unparsable: expect.any(String) }]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('stops one item past the limit', () => {
    expect(itemsOfNdjson('1\n2\n3\n4\n5\n', 3)).toHaveLength(4);
  });
});
