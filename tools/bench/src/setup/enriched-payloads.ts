import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { topicNames } from '@pulse/kafka';
import { burstFeed } from '../cells/burst-feed';
import { prepareCellResources, releaseCellResources } from '../cells/cell-resources';
import type { PipelineSystem } from '../cells/pipeline-system';
import { startPulse } from '../cells/pulse-system';
import { EnrichedObserver } from '../measure/enriched-observer';
import { cellNames, type RunContext } from '../run-context';

const PROBE_EVENTS = 2_000;

export interface EnrichedPayloads {
  file: string;
  meanBytes: number;
}

/**
 * Real enriched events for the Kafka perf tools' payloads (so the ceiling writes records of the
 * same size and compressibility as Pulse does): a few thousand of the corpus's events are put
 * through Pulse's enrichment service and read back from events.enriched.
 */
export async function probeEnrichedPayloads(
  context: Omit<RunContext, 'enrichedPayloadFile' | 'enrichedMeanBytes'>,
): Promise<EnrichedPayloads> {
  const probeContext = { ...context, enrichedPayloadFile: '', enrichedMeanBytes: 0 } as RunContext;
  const names = cellNames(probeContext, 'probe', 0);
  const topics = topicNames(names.topicPrefix);
  await prepareCellResources(probeContext, names, false);
  let system: PipelineSystem | undefined;
  const observer = new EnrichedObserver(
    context.kafka,
    topics.eventsEnriched,
    `${names.groupPrefix}-observer`,
    topics.deadLetter,
  );
  try {
    system = await startPulse(probeContext, names, ['enrichment']);
    await observer.start();
    await burstFeed(probeContext, names, topics.eventsRaw, PROBE_EVENTS);
    const deadline = Date.now() + 120_000;
    while (observer.observed < PROBE_EVENTS && Date.now() < deadline) await sleep(250);
    const sample = observer.sample();
    if (sample.count === 0) throw new Error('no enriched event came back from the probe');
    const file = join(context.workDir, 'enriched-payloads.ndjson');
    writeFileSync(file, `${sample.values.map((value) => value.toString('utf8')).join('\n')}\n`);
    return { file, meanBytes: sample.meanBytes };
  } finally {
    await observer.stop().catch(() => undefined);
    await system?.stop();
    await releaseCellResources(probeContext, names, false);
  }
}
