/** InfluxQL building blocks with proper quoting (values come from validated request parameters). */
import { windowLabel } from '@pulse/contracts';

/**
 * The body of a quoted InfluxQL string or identifier. InfluxQL's scanner knows the escapes
 * `\\`, `\'`, `\"` and `\n`, and ends a quoted token with an error at a raw newline, so a newline
 * is written as `\n`. Request parameters with control characters are refused before they get
 * here (reporting answers 400); this keeps the query well-formed whatever reaches it.
 */
function escaped(value: string, quote: "'" | '"'): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`)
    .replace(/\n/g, '\\n');
}

/** A double-quoted identifier: measurement, tag or field name. */
export function ident(name: string): string {
  return `"${escaped(name, '"')}"`;
}

/** A single-quoted string literal. */
export function literal(value: string): string {
  return `'${escaped(value, "'")}'`;
}

/** `tag = 'value'` */
export function equals(tag: string, value: string): string {
  return `${ident(tag)} = ${literal(value)}`;
}

/** Points stamped in [from, to): window starts, since points carry their window's start. */
export function timeRange(fromMs: number, toMs: number): string {
  return `time >= ${literal(new Date(fromMs).toISOString())} AND time < ${literal(new Date(toMs).toISOString())}`;
}

export function where(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}

/** The InfluxQL duration of a window size (1m, 90s, 1500ms): the same label aggregation tags with. */
export const durationLiteral = windowLabel;
