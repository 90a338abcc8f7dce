import { z } from 'zod';
import { ContractViolation, formatPath, safeParseWith, toValidationIssues } from './validation';

describe('formatPath', () => {
  it.each([
    [[], '(root)'],
    [['time'], 'time'],
    [['data', 'lines', 0, 'quantity'], 'data.lines[0].quantity'],
    [['data', 'lines', 12], 'data.lines[12]'],
    [[0, 'id'], '[0].id'],
    [['labels', 'a.b'], 'labels.a.b'],
  ])('formats %j as %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('validation issues', () => {
  const schema = z.object({ a: z.array(z.object({ b: z.number().int('must be a whole number') })) });

  it('turns zod issues into path and message pairs', () => {
    const result = schema.safeParse({ a: [{ b: 1 }, { b: 1.5 }] });
    expect(result.success).toBe(false);
    expect(!result.success && toValidationIssues(result.error)).toEqual([
      { path: 'a[1].b', message: 'must be a whole number' },
    ]);
  });

  it('gives a value or the issues from safeParseWith', () => {
    expect(safeParseWith(schema, { a: [] })).toEqual({ ok: true, value: { a: [] } });
    expect(safeParseWith(schema, {})).toEqual({
      ok: false,
      issues: [{ path: 'a', message: 'Invalid input: expected array, received undefined' }],
    });
  });

  it('ContractViolation carries the issues and lists them in its message', () => {
    const violation = new ContractViolation(
      [
        { path: 'time', message: 'bad' },
        { path: '(root)', message: 'worse' },
      ],
      'invalid event',
    );
    expect(violation).toBeInstanceOf(Error);
    expect(violation.name).toBe('ContractViolation');
    expect(violation.message).toBe('invalid event: time: bad; (root): worse');
    expect(violation.issues).toHaveLength(2);
  });
});
