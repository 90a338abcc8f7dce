import { safeParseWith, type ValidationIssue } from '@pulse/contracts';
import type { ReferenceKind } from './reference-kinds';
import type { SourceRecord } from './read-records';

export interface InvalidRecord {
  index: number;
  line: number;
  issues: ValidationIssue[];
}

export interface Validated<T> {
  valid: T[];
  invalid: InvalidRecord[];
  /** Ids that appear more than once; on a compacted topic the last one wins. */
  duplicateIds: string[];
}

export function validateRecords<T extends { id: string }>(
  kind: ReferenceKind<T>,
  records: readonly SourceRecord[],
): Validated<T> {
  const valid: T[] = [];
  const invalid: InvalidRecord[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const record of records) {
    const result = safeParseWith(kind.schema, record.value);
    if (!result.ok) {
      invalid.push({ index: record.index, line: record.line, issues: result.issues });
      continue;
    }
    if (seen.has(result.value.id)) duplicates.add(result.value.id);
    seen.add(result.value.id);
    valid.push(result.value);
  }
  return { valid, invalid, duplicateIds: [...duplicates] };
}

/** `file:line (record n): path: message`, one line per issue, as an operator reads them. */
export function describeInvalid(file: string, record: InvalidRecord): string[] {
  return record.issues.map(
    (issue) => `${file}:${record.line} (record ${record.index + 1}): ${issue.path}: ${issue.message}`,
  );
}
