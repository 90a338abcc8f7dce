import { parseDuration } from '@pulse/config';
import { rfc3339, type AlertEvent } from '@pulse/contracts';
import { RE2JS } from 're2js';
import { z } from 'zod';

/** Longest matcher value (literal or regular expression) a silence may hold. */
export const MAX_MATCHER_VALUE_LENGTH = 256;
/**
 * Largest compiled regular expression, in RE2 instructions. Matching costs about
 * (label length × instructions), so this bounds one match; `.{0,256}` compiles to about 520,
 * `a{1000}` to about 1000 and is refused.
 */
export const MAX_REGEX_INSTRUCTIONS = 1000;

/**
 * Compiles a matcher's regular expression with RE2 semantics (as Alertmanager's): matching takes
 * time linear in the label's length, never backtracking. Backreferences and lookarounds do not
 * exist in RE2, so they do not compile. Throws an Error saying why.
 */
export function compileMatcherRegex(value: string): RE2JS {
  if (value.length > MAX_MATCHER_VALUE_LENGTH) {
    throw new Error(`longer than ${MAX_MATCHER_VALUE_LENGTH} characters`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(value);
  } catch (error) {
    throw new Error(
      `not a valid RE2 regular expression (no backreferences or lookarounds): ${(error as Error).message}`,
    );
  }
  if (compiled.programSize() > MAX_REGEX_INSTRUCTIONS) {
    throw new Error(
      `too complex: compiles to ${compiled.programSize()} RE2 instructions, at most ${MAX_REGEX_INSTRUCTIONS} (use smaller repetition counts)`,
    );
  }
  return compiled;
}

export const matcherSchema = z
  .strictObject({
    /** A label of the alert, or `rule`, `alertname` (the rule), `severity`, `kind`. */
    name: z.string().min(1).max(128),
    value: z
      .string()
      .max(MAX_MATCHER_VALUE_LENGTH, `must be at most ${MAX_MATCHER_VALUE_LENGTH} characters long`),
    /** Value is an RE2 regular expression matched against the whole label value. */
    isRegex: z.boolean().default(false),
    /** False inverts the matcher (label must not equal / match). */
    isEqual: z.boolean().default(true),
  })
  // On the matcher itself, so silences read back from the topic are checked like new ones.
  .superRefine((matcher, ctx) => {
    if (!matcher.isRegex || matcher.value.length > MAX_MATCHER_VALUE_LENGTH) return;
    try {
      compileMatcherRegex(matcher.value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: (error as Error).message });
    }
  });
export type Matcher = z.infer<typeof matcherSchema>;

export const createSilenceSchema = z
  .strictObject({
    matchers: z.array(matcherSchema).min(1, 'give at least one matcher').max(20),
    startsAt: rfc3339.optional(),
    endsAt: rfc3339.optional(),
    /** Alternative to endsAt: how long from startsAt, e.g. 2h. */
    duration: z.string().optional(),
    createdBy: z.string().trim().min(1, 'say who creates the silence').max(128),
    comment: z.string().trim().min(1, 'say why (e.g. a ticket)').max(1000),
  })
  .superRefine((input, ctx) => {
    if ((input.endsAt === undefined) === (input.duration === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give either endsAt or duration' });
    }
    if (input.duration !== undefined) {
      try {
        parseDuration(input.duration);
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['duration'],
          message: 'must be a duration such as 30m, 2h or 1d',
        });
      }
    }
  });
export type CreateSilence = z.infer<typeof createSilenceSchema>;

export const silenceSchema = z.object({
  id: z.string().min(1),
  matchers: z.array(matcherSchema),
  startsAt: rfc3339,
  endsAt: rfc3339,
  createdBy: z.string(),
  comment: z.string(),
  createdAt: rfc3339,
  updatedAt: rfc3339,
});
export type Silence = z.infer<typeof silenceSchema>;
export type SilenceState = 'pending' | 'active' | 'expired';

export class SilenceInputError extends Error {}

/** Builds a silence from a validated request; times must make sense relative to now. */
export function newSilence(id: string, input: CreateSilence, now: Date): Silence {
  const startsAt = input.startsAt === undefined ? now.getTime() : Date.parse(input.startsAt);
  const endsAt =
    input.endsAt === undefined ? startsAt + parseDuration(input.duration ?? '0s') : Date.parse(input.endsAt);
  if (endsAt <= startsAt) throw new SilenceInputError('endsAt must be after startsAt');
  if (endsAt <= now.getTime()) throw new SilenceInputError('the silence would already be over');
  return {
    id,
    matchers: input.matchers,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(endsAt).toISOString(),
    createdBy: input.createdBy,
    comment: input.comment,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

export function stateOf(silence: Silence, now: Date): SilenceState {
  if (now.getTime() < Date.parse(silence.startsAt)) return 'pending';
  return now.getTime() < Date.parse(silence.endsAt) ? 'active' : 'expired';
}

/** The labels a matcher sees: the alert's labels plus its rule, severity and kind. */
export function matchableLabels(
  alert: Pick<AlertEvent, 'labels' | 'rule' | 'severity' | 'kind'>,
): Record<string, string> {
  return {
    ...alert.labels,
    alertname: alert.rule,
    rule: alert.rule,
    severity: alert.severity,
    kind: alert.kind,
  };
}

export type LabelPredicate = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * The silence's matchers as one predicate, regular expressions compiled once. A regex must match
 * the whole label value (anchored, as in Alertmanager); a missing label is the empty string.
 * Throws for a regex that compileMatcherRegex refuses.
 */
export function compileMatchers(matchers: readonly Matcher[]): LabelPredicate {
  const tests = matchers.map(({ name, value, isRegex, isEqual }): LabelPredicate => {
    if (!isRegex) return (labels) => ((labels[name] ?? '') === value) === isEqual;
    const regex = compileMatcherRegex(value);
    return (labels) => regex.matches(labels[name] ?? '') === isEqual;
  });
  return (labels) => tests.every((test) => test(labels));
}

export function matches(silence: Silence, labels: Readonly<Record<string, string>>): boolean {
  return compileMatchers(silence.matchers)(labels);
}
