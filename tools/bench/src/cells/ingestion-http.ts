import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { PulseEvent } from '@pulse/contracts';
import { CpuWindow, memoryOf } from '../proc/process-meter';
import type { HttpEndpointFigures, HttpRun } from '../report/results';
import { cellNames, type RunContext } from '../run-context';
import { prepareCellResources, releaseCellResources } from './cell-resources';
import { startPulse } from './pulse-system';

const BATCH_EVENTS = 100;

function generatorCpuMs(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Corpus events without ids (ingestion assigns one each, so every request writes new events). */
function requestEvents(corpusFile: string, count: number): Omit<PulseEvent, 'id'>[] {
  const now = new Date().toISOString();
  return readFileSync(corpusFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, count)
    .map((line) => {
      const { id: _id, ...event } = JSON.parse(line) as PulseEvent;
      return { ...event, time: now };
    });
}

/**
 * Ingestion's HTTP API alone under autocannon (closed loop, fixed connections, as fast as it
 * answers): the single-event endpoint and the NDJSON batch endpoint, one after the other.
 * Every 202 means Kafka acknowledged the events (acks=all).
 */
export async function runIngestionHttp(context: RunContext, repetition: number): Promise<HttpRun> {
  const names = cellNames(context, 'http', repetition);
  await prepareCellResources(context, names, false);
  try {
    const system = await startPulse(context, names, ['ingestion']);
    try {
      const base = system.ingestUrl as string;
      const events = requestEvents(context.corpus.file, BATCH_EVENTS);
      const headers = { 'x-api-key': context.credentials.apiKey };
      const cases = [
        {
          endpoint: 'single' as const,
          eventsPerRequest: 1,
          url: `${base}/v1/events`,
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(events[0]),
        },
        {
          endpoint: 'batch' as const,
          eventsPerRequest: events.length,
          url: `${base}/v1/events/batch`,
          headers: { ...headers, 'content-type': 'application/x-ndjson' },
          body: `${events.map((event) => JSON.stringify(event)).join('\n')}\n`,
        },
      ];
      // Alternate the order between repetitions, so neither endpoint always runs on a warmer process.
      if (repetition % 2 === 0) cases.reverse();
      const endpoints: HttpEndpointFigures[] = [];
      for (const testCase of cases) {
        context.log(
          `  ${names.label}: autocannon ${testCase.endpoint} endpoint for ${context.options.httpDurationMs / 1000} s`,
        );
        const cpu = new CpuWindow([...system.processes, ...context.stackProcesses]);
        const generatorBefore = process.cpuUsage();
        const result = await autocannon({
          url: testCase.url,
          method: 'POST',
          headers: testCase.headers,
          body: testCase.body,
          connections: context.options.httpConnections,
          duration: context.options.httpDurationMs / 1000,
        });
        const readings = cpu.stop();
        const ingestionCpuMs = readings
          .filter((reading) => reading.role === 'pipeline')
          .reduce((sum, reading) => sum + reading.cpuMs, 0);
        // autocannon runs in this process: its CPU is accounted as the generator's.
        const machine = cpu.machine(
          readings.reduce((sum, reading) => sum + reading.cpuMs, 0) + generatorCpuMs(generatorBefore),
        );
        const accepted = result['2xx'] * testCase.eventsPerRequest;
        endpoints.push({
          endpoint: testCase.endpoint,
          eventsPerRequest: testCase.eventsPerRequest,
          requestsPerSecond: result.requests.average,
          eventsPerSecond: accepted / result.duration,
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
          non2xx: result.non2xx,
          errors: result.errors,
          ingestionCpuMsPer1000: accepted > 0 ? (ingestionCpuMs * 1000) / accepted : Number.NaN,
          machine,
        });
      }
      const pid = system.processes[0]?.pid;
      return {
        kind: 'http',
        cell: 'http',
        repetition,
        endpoints,
        peakRssMb: pid === undefined ? Number.NaN : (memoryOf(pid)?.peakRss ?? Number.NaN) / 2 ** 20,
        notes: [],
      };
    } finally {
      await system.stop();
    }
  } finally {
    await releaseCellResources(context, names, false);
  }
}
