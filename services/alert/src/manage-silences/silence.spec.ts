import { safeParseWith } from '@pulse/contracts';
import { alertEvent } from '../testing/fixtures';
import {
  MAX_MATCHER_VALUE_LENGTH,
  compileMatcherRegex,
  createSilenceSchema,
  matchableLabels,
  matches,
  newSilence,
  stateOf,
  SilenceInputError,
} from './silence';

const now = new Date('2026-11-24T12:00:00.000Z');

function create(input: Record<string, unknown>) {
  const parsed = safeParseWith(createSilenceSchema, { createdBy: 'ops', comment: 'INC-1', ...input });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return newSilence('s-1', parsed.value, now);
}

describe('silences', () => {
  it('validates requests with paths', () => {
    const bad = safeParseWith(createSilenceSchema, {
      matchers: [{ name: 'category', value: '(', isRegex: true }],
      createdBy: '',
      comment: 'x',
      duration: '2 hours',
    });
    expect(bad.ok ? [] : bad.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['createdBy', 'matchers[0].value', 'duration']),
    );
    const neither = safeParseWith(createSilenceSchema, {
      matchers: [{ name: 'a', value: 'b' }],
      createdBy: 'o',
      comment: 'c',
    });
    expect(neither.ok ? [] : neither.issues).toEqual([
      { path: 'endsAt', message: 'give either endsAt or duration' },
    ]);
  });

  it('builds start and end times and refuses a silence already over', () => {
    expect(create({ matchers: [{ name: 'rule', value: 'x' }], duration: '2h' })).toMatchObject({
      startsAt: now.toISOString(),
      endsAt: '2026-11-24T14:00:00.000Z',
    });
    expect(() =>
      create({ matchers: [{ name: 'rule', value: 'x' }], endsAt: '2026-11-24T11:00:00Z' }),
    ).toThrow(SilenceInputError);
  });

  it('knows pending, active and expired', () => {
    const silence = create({
      matchers: [{ name: 'rule', value: 'x' }],
      startsAt: '2026-11-24T13:00:00Z',
      duration: '1h',
    });
    expect(stateOf(silence, now)).toBe('pending');
    expect(stateOf(silence, new Date('2026-11-24T13:30:00Z'))).toBe('active');
    expect(stateOf(silence, new Date('2026-11-24T14:00:00Z'))).toBe('expired');
  });

  it('matches all matchers against labels, rule and severity; regex anchored; negation', () => {
    const labels = matchableLabels(alertEvent({ labels: { category: 'electronics' } }));
    const silence = (matchers: Record<string, unknown>[]) => create({ matchers, duration: '1h' });
    expect(
      matches(
        silence([
          { name: 'alertname', value: 'revenue-spike' },
          { name: 'severity', value: 'warning' },
        ]),
        labels,
      ),
    ).toBe(true);
    expect(matches(silence([{ name: 'category', value: 'elec.*', isRegex: true }]), labels)).toBe(true);
    expect(matches(silence([{ name: 'category', value: 'elec', isRegex: true }]), labels)).toBe(false);
    expect(matches(silence([{ name: 'category', value: 'toys', isEqual: false }]), labels)).toBe(true);
    expect(
      matches(
        silence([
          { name: 'category', value: 'electronics' },
          { name: 'severity', value: 'critical' },
        ]),
        labels,
      ),
    ).toBe(false);
  });

  describe('regular expressions (RE2)', () => {
    const issuesOf = (matcher: Record<string, unknown>) => {
      const parsed = safeParseWith(createSilenceSchema, {
        matchers: [matcher],
        createdBy: 'ops',
        comment: 'c',
        duration: '1h',
      });
      return parsed.ok ? [] : parsed.issues;
    };

    it('matches catastrophic-backtracking patterns against a long label in linear time', () => {
      // With a backtracking engine each of these takes exponential time on this label: the old
      // matcher (JavaScript RegExp) did not return within minutes, blocking the event loop.
      const labels = matchableLabels(
        alertEvent({ labels: { category: `${'a'.repeat(50_000)}!`, region: 'a'.repeat(50_000) } }),
      );
      const started = performance.now();
      for (const value of ['(a+)+$', '(a|aa)+$', '(a|a?)+', '(.*a){12}', '(\\w+\\s?)+$']) {
        expect(issuesOf({ name: 'category', value, isRegex: true })).toEqual([]);
        expect(
          matches(create({ matchers: [{ name: 'category', value, isRegex: true }], duration: '1h' }), labels),
        ).toBe(false);
      }
      expect(
        matches(
          create({ matchers: [{ name: 'region', value: '(a|aa)+', isRegex: true }], duration: '1h' }),
          labels,
        ),
      ).toBe(true);
      // Generous: the linear engine needs milliseconds here.
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it('refuses what RE2 cannot compile (backreferences, lookarounds), with the path and why', () => {
      for (const value of ['(a)\\1', 'foo(?=bar)', '(?!x)y', '(?<=a)b', 'a)|(b']) {
        expect(issuesOf({ name: 'category', value, isRegex: true })).toEqual([
          {
            path: 'matchers[0].value',
            message: expect.stringMatching(
              /^not a valid RE2 regular expression \(no backreferences or lookarounds\): /,
            ),
          },
        ]);
      }
      // The same text as a plain value is just a string.
      expect(issuesOf({ name: 'category', value: 'foo(?=bar)' })).toEqual([]);
    });

    it('refuses values longer than the bound and regular expressions that compile too large', () => {
      expect(MAX_MATCHER_VALUE_LENGTH).toBe(256);
      expect(issuesOf({ name: 'category', value: 'a'.repeat(256), isRegex: true })).toEqual([]);
      expect(issuesOf({ name: 'category', value: 'a'.repeat(257), isRegex: true })).toEqual([
        { path: 'matchers[0].value', message: 'must be at most 256 characters long' },
      ]);
      expect(issuesOf({ name: 'category', value: 'x'.repeat(257) })).toEqual([
        { path: 'matchers[0].value', message: 'must be at most 256 characters long' },
      ]);
      expect(issuesOf({ name: 'category', value: '.{0,256}', isRegex: true })).toEqual([]);
      expect(issuesOf({ name: 'category', value: '[a-z]{1000}', isRegex: true })).toEqual([
        {
          path: 'matchers[0].value',
          message: expect.stringMatching(/^too complex: compiles to \d+ RE2 instructions, at most 1000/),
        },
      ]);
      expect(() => compileMatcherRegex('a'.repeat(257))).toThrow('longer than 256 characters');
    });

    it('matches the whole value with RE2 syntax (flags, classes), a missing label as empty', () => {
      const labels = matchableLabels(alertEvent({ labels: { category: 'Electronics', region: 'eu-west' } }));
      const hit = (value: string, name = 'category') =>
        matches(create({ matchers: [{ name, value, isRegex: true }], duration: '1h' }), labels);
      expect(hit('(?i)elec.*')).toBe(true);
      expect(hit('Elec')).toBe(false);
      expect(hit('tronics')).toBe(false);
      expect(hit('[[:alpha:]]+')).toBe(true);
      expect(hit('\\w+-\\w+', 'region')).toBe(true);
      expect(hit('eu|eu-west', 'region')).toBe(true);
      expect(hit('', 'missing')).toBe(true);
      expect(hit('.+', 'missing')).toBe(false);
    });
  });
});
