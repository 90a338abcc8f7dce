import { z } from 'zod';
import type { Outcome } from '../ground-truth/ground-truth-builder';

export type BatchAnswer = { kind: 'outcomes'; outcomes: Outcome[] } | { kind: 'fatal'; message: string };

/**
 * Ingestion's answer to `POST /v1/events/batch` (services/ingestion, events.controller.ts):
 * 202 `{accepted: [{index, id}], rejected: [{index, errors}]}` when at least one event was
 * written, 400 with the same lists plus `error: "invalid_events"` when none was.
 */
const batchOutcome = z.looseObject({
  accepted: z.array(z.looseObject({ index: z.number().int().nonnegative() })),
  rejected: z.array(z.looseObject({ index: z.number().int().nonnegative() })),
});

/**
 * Turns the answer into one outcome per item. An item the answer does not mention counts as
 * `failed` (its fate is unknown). Answers a retry cannot fix (401/403/413/415, a 400 for the
 * whole body) stop the run.
 */
export function interpretBatchAnswer(status: number, text: string, count: number): BatchAnswer {
  if (status === 202 || status === 200 || status === 400) {
    const parsed = batchOutcome.safeParse(safeJson(text));
    if (parsed.success) {
      const outcomes: Outcome[] = Array.from({ length: count }, () => 'failed');
      for (const { index } of parsed.data.rejected) if (index < count) outcomes[index] = 'rejected';
      for (const { index } of parsed.data.accepted) if (index < count) outcomes[index] = 'accepted';
      return { kind: 'outcomes', outcomes };
    }
  }
  return { kind: 'fatal', message: `ingestion answered HTTP ${status}: ${text.slice(0, 500)}` };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
