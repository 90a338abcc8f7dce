import { setTimeout as sleep } from 'node:timers/promises';
import { topicNames } from '@pulse/kafka';
import { CpuWindow, memoryOf } from '../proc/process-meter';
import { collectProfiles } from '../profile/collect-profiles';
import type { DrainRun } from '../report/results';
import { cellNames, type RunContext } from '../run-context';
import { burstFeed } from './burst-feed';
import { prepareCellResources, releaseCellResources } from './cell-resources';
import { startPulse } from './pulse-system';

const DRAIN_TIMEOUT_MS = 300_000;

/**
 * The enrichment stage alone, at full speed: `events.raw` is filled first, then one enrichment
 * instance starts and works the backlog off. Its rate (records per second appended to
 * events.enriched, from the first to the last) is enrichment's capacity: context, no target.
 */
export async function runEnrichmentDrain(context: RunContext, repetition: number): Promise<DrainRun> {
  const names = cellNames(context, 'enrichment', repetition);
  const topics = topicNames(names.topicPrefix);
  const events = context.options.drainEvents;
  await prepareCellResources(context, names, false);
  try {
    await burstFeed(context, names, topics.eventsRaw, events);
    const system = await startPulse(context, names, ['enrichment']);
    try {
      const cpu = new CpuWindow([...system.processes, ...context.stackProcesses]);
      const atStart = await context.kafka.appended(topics.eventsEnriched);
      let first: { at: number; count: number } | undefined;
      let last = { at: Date.now(), count: atStart };
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (last.count < events && Date.now() < deadline) {
        await sleep(250);
        last = { at: Date.now(), count: await context.kafka.appended(topics.eventsEnriched) };
        if (first === undefined && last.count > atStart) first = last;
      }
      const readings = cpu.stop();
      const cpuMs = readings
        .filter((reading) => reading.role === 'pipeline')
        .reduce((sum, reading) => sum + reading.cpuMs, 0);
      const machine = cpu.machine(readings.reduce((sum, reading) => sum + reading.cpuMs, 0));
      const handled = last.count - atStart;
      const notes =
        last.count < events
          ? [`drained only ${last.count} of ${events} events in ${DRAIN_TIMEOUT_MS / 1000} s`]
          : [];
      if (atStart > 0) notes.push(`${atStart} events were enriched before measuring began (during start-up)`);
      const pid = system.processes[0]?.pid;
      const peakRssMb = pid === undefined ? Number.NaN : (memoryOf(pid)?.peakRss ?? Number.NaN) / 2 ** 20;
      await system.stop();
      const profiles =
        system.profileDir === undefined ? undefined : collectProfiles(system.profileDir, system.processes);
      return {
        kind: 'drain',
        cell: 'enrichment',
        repetition,
        events,
        recordsPerSecond:
          first && last.at > first.at ? ((last.count - first.count) * 1000) / (last.at - first.at) : 0,
        cpuMsPer1000: handled > 0 ? (cpuMs * 1000) / handled : Number.NaN,
        peakRssMb,
        machine,
        ...(profiles ? { profiles } : {}),
        notes,
      };
    } finally {
      await system.stop();
    }
  } finally {
    await releaseCellResources(context, names, false);
  }
}
