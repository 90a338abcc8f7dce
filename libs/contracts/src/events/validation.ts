import type { z } from 'zod';

/** One precise problem found in an input, with a JSON path such as `data.lines[0].quantity`. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issueMessage(issue) }));
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union' && 'note' in issue && issue.note === 'No matching discriminator') {
    return 'unknown event type';
  }
  return issue.message;
}

/** Thrown when bytes on a topic do not match the contract; carries the precise issues. */
export class ContractViolation extends Error {
  constructor(
    readonly issues: ValidationIssue[],
    context: string,
  ) {
    super(`${context}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.name = 'ContractViolation';
  }
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

export function safeParseWith<T>(schema: z.ZodType<T>, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toValidationIssues(result.error) };
}
