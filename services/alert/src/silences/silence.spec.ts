import { safeParseWith } from '@pulse/contracts';
import { alertEvent } from '../testing/fixtures';
import {
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
});
