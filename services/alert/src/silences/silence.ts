import { parseDuration } from '@pulse/config';
import { rfc3339, type AlertEvent } from '@pulse/contracts';
import { z } from 'zod';

export const matcherSchema = z.strictObject({
  /** A label of the alert, or `rule`, `alertname` (the rule), `severity`, `kind`. */
  name: z.string().min(1).max(128),
  value: z.string().max(256),
  /** Value is a regular expression matched against the whole label value. */
  isRegex: z.boolean().default(false),
  /** False inverts the matcher (label must not equal / match). */
  isEqual: z.boolean().default(true),
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
    input.matchers.forEach((matcher, index) => {
      if (!matcher.isRegex) return;
      try {
        new RegExp(`^(?:${matcher.value})$`);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['matchers', index, 'value'],
          message: `not a valid regular expression: ${(error as Error).message}`,
        });
      }
    });
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

export function matches(silence: Silence, labels: Readonly<Record<string, string>>): boolean {
  return silence.matchers.every((matcher) => {
    const value = labels[matcher.name] ?? '';
    const hit = matcher.isRegex ? new RegExp(`^(?:${matcher.value})$`).test(value) : value === matcher.value;
    return hit === matcher.isEqual;
  });
}
