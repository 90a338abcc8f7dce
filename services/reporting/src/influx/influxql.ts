/** InfluxQL building blocks with proper quoting (values come from validated request parameters). */
import { windowLabel } from '@pulse/contracts';
import { influxIdentifier, influxLiteral } from '@pulse/influx';

/** A double-quoted identifier: measurement, tag or field name. */
export const ident = influxIdentifier;

/** A single-quoted string literal. */
export const literal = influxLiteral;

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
