import {
  encodeEvent,
  incomingEventSchema,
  safeParseWith,
  type PulseEvent,
  type ValidationIssue,
} from '@pulse/contracts';
import { contentIdOf } from './content-id';

/** A valid event and its bytes on `events.raw` (encoded once, here, to check its size). */
export interface EncodedEvent {
  readonly event: PulseEvent;
  readonly value: Buffer;
}

export type Prepared =
  ({ readonly ok: true } & EncodedEvent) | { readonly ok: false; readonly issues: ValidationIssue[] };

/** Deeper than any real event; bounded so that encoding can never overflow the stack. */
export const MAX_NESTING_DEPTH = 32;

export interface PrepareOptions {
  /** Milliseconds an event time may lie ahead of `now` (Kafka refuses record timestamps far ahead). */
  maxFutureMs: number;
  /** Largest encoded event; Kafka refuses records above its message.max.bytes (1 MiB by default). */
  maxEventBytes: number;
  now?: () => number;
}

/** Stands in for a missing id while validating; replaced by the id derived from the content. */
const PENDING_ID = 'pending-content-id';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True if `value` nests objects/arrays deeper than `limit`; iterative, so deep input cannot hurt it. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

function describeDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Turns what a client sent into the event that goes to `events.raw`: validated against the
 * contract (which trims and upper-cases where it says so), `id` derived from the content when
 * absent (so a retry of the same event keeps its id), the event
 * time checked against what Kafka accepts as a record timestamp, and `ingestedat` stamped.
 */
export class EventPreparer {
  private readonly now: () => number;
  private readonly futureMessage: string;

  constructor(private readonly options: PrepareOptions) {
    this.now = options.now ?? Date.now;
    this.futureMessage = `must not be more than ${describeDuration(options.maxFutureMs)} in the future`;
  }

  prepare(input: unknown): Prepared {
    if (nestsDeeperThan(input, MAX_NESTING_DEPTH)) {
      return {
        ok: false,
        issues: [{ path: '(root)', message: `must not nest more than ${MAX_NESTING_DEPTH} levels deep` }],
      };
    }
    const idMissing = isPlainObject(input) && (input.id === undefined || input.id === null);
    const candidate = idMissing ? { ...input, id: PENDING_ID } : input;
    const parsed = safeParseWith(incomingEventSchema, candidate);
    if (!parsed.ok) return parsed;
    const event = parsed.value;
    if (idMissing) event.id = contentIdOf(event);
    const now = this.now();
    const eventTime = Date.parse(event.time);
    if (eventTime > now + this.options.maxFutureMs) {
      return { ok: false, issues: [{ path: 'time', message: this.futureMessage }] };
    }
    if (eventTime < 0) {
      return { ok: false, issues: [{ path: 'time', message: 'must not be before 1970-01-01T00:00:00Z' }] };
    }
    event.ingestedat = new Date(now).toISOString();
    const value = encodeEvent(event);
    if (value.length > this.options.maxEventBytes) {
      return {
        ok: false,
        issues: [
          {
            path: '(root)',
            message: `must be at most ${this.options.maxEventBytes} bytes as JSON (is ${value.length})`,
          },
        ],
      };
    }
    return { ok: true, event, value };
  }
}
