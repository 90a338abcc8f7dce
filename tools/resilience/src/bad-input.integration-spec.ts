import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { EventType } from '@pulse/contracts';
import { freePort } from '@pulse/fleet';
import {
  InspectorSession,
  MiB,
  TestDeployment,
  Timeline,
  eventIdsIn,
  metricValue,
  missingFrom,
  residentBytes,
  uniqueName,
  waitFor,
} from '@pulse/testing';
import { badRequest, render, type BadRequest, type RenderedRequest } from './bad-input/bad-requests';

const RUNS = 10_000;
const WARM_UP = 200;
/**
 * Growth allowed between the warm-up and the end of the run, both measured right after a full
 * garbage collection. The run pushes some 1.2 GiB of bodies through the process (several hundred
 * of them over the 1 MiB limit, as many events over 256 KiB) and thousands of valid events:
 * keeping a trace of every request, or a fraction of the bodies, would exceed these; caches and
 * allocator pools settling do not (seen: heap +1 MiB, RSS +35–40 MiB).
 */
const HEAP_GROWTH_BOUND = 16 * MiB;
const RSS_GROWTH_BOUND = 64 * MiB;

interface Outcome {
  status: number;
  text: string;
  retryAfter: string | null;
}

/**
 * Thousands of generated malformed requests against the real ingestion process over HTTP —
 * wrong types, missing attributes, huge strings and bodies, deep nesting, hash-flooding key
 * counts, invalid UTF-8, `__proto__`/`constructor` keys, wrong content types, garbage — with
 * valid events mixed into some batches. Never a 5xx, never a crash, memory bounded, every
 * malformed event refused, and every valid neighbour accepted and on `events.raw`.
 */
describe('bad input against the ingestion API', () => {
  const timeline = new Timeline('bad input');
  const run = uniqueName('bad_input');
  const acknowledged: string[] = [];
  const statuses = new Map<string, Map<number, number>>();
  let deployment: TestDeployment | undefined;
  let validCount = 0;
  let bytesSent = 0;
  let inspector: InspectorSession | undefined;
  let afterWarmUp = { rss: 0, heap: 0 };
  let requests = 0;
  const memory: string[] = [];

  /** RSS from /proc and the V8 heap from /metrics, for the log: where memory goes, if it grows. */
  const noteMemory = async () => {
    const pid = deployment!.pid('ingestion');
    const heap = await metricValue(deployment!.url('ingestion'), 'nodejs_heap_size_used_bytes');
    const external = await metricValue(deployment!.url('ingestion'), 'nodejs_external_memory_bytes');
    memory.push(
      `  after ${String(requests).padStart(5)} requests: RSS ${(residentBytes(pid) / MiB).toFixed(0)} MiB, ` +
        `heap used ${(heap / MiB).toFixed(0)} MiB, external ${(external / MiB).toFixed(0)} MiB`,
    );
  };

  const validEvent = () => {
    validCount += 1;
    const id = `${run}-ok-${validCount}`;
    const event = {
      id,
      source: '/resilience/bad-input',
      type: EventType.ProductViewed,
      time: new Date().toISOString(),
      customerid: 'c-00001',
      data: { productId: 'p-0001' },
    };
    return { id, json: JSON.stringify(event) };
  };

  const post = async (request: BadRequest, body: Uint8Array): Promise<Outcome> => {
    bytesSent += body.length;
    const response = await fetch(`${deployment!.url('ingestion')}${request.endpoint}`, {
      method: 'POST',
      headers: {
        'x-api-key': deployment!.credentials.apiKey,
        ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    return {
      status: response.status,
      text: await response.text(),
      retryAfter: response.headers.get('retry-after'),
    };
  };

  /** Heap in use and RSS right after a full GC (also noted in the log). */
  const memoryAfterGc = async () => {
    const heap = await inspector!.heapUsedAfterGc();
    const rss = residentBytes(deployment!.pid('ingestion'));
    memory.push(
      `  after ${String(requests).padStart(5)} requests and a full GC: RSS ${(rss / MiB).toFixed(0)} MiB, ` +
        `heap used ${(heap / MiB).toFixed(1)} MiB`,
    );
    return { rss, heap };
  };

  /**
   * Sends one request and checks the answer. A rate limit or back-pressure answer (429, 503) says
   * nothing about the request, so it is resent after Retry-After, until the API judged it.
   */
  const sendAndCheck = async (request: BadRequest): Promise<void> => {
    const rendered = render(request, validEvent);
    let outcome = await post(request, rendered.body);
    for (let attempt = 1; [429, 503].includes(outcome.status); attempt += 1) {
      if (attempt > 10) break;
      await sleep(Number(outcome.retryAfter ?? '1') * 1_000);
      outcome = await post(request, rendered.body);
    }
    const byStatus = statuses.get(request.kind) ?? new Map<number, number>();
    byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
    statuses.set(request.kind, byStatus);
    check(request, rendered, outcome);
    acknowledged.push(...rendered.validIds);
    requests += 1;
    if (requests % 500 === 0) await noteMemory();
  };

  beforeAll(async () => {
    const inspectorPort = await freePort();
    deployment = await TestDeployment.start({
      label: 'bad_input',
      services: ['ingestion'],
      // The inspector lets the test trigger a full GC before it measures memory.
      serviceEnv: { ingestion: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectorPort}` } },
    });
    inspector = await InspectorSession.connect(inspectorPort);
    timeline.mark('ingestion ready');
    await noteMemory();
    for (const request of fc.sample(badRequest, { numRuns: WARM_UP, seed: 1 })) await sendAndCheck(request);
    afterWarmUp = await memoryAfterGc();
    timeline.mark(`warmed up with ${WARM_UP} requests`);
  }, 180_000);

  afterAll(async () => {
    console.log(timeline.toString());
    console.log(`memory of the ingestion process:\n${memory.join('\n')}`);
    console.log(
      `${validCount} valid events, ${(bytesSent / MiB).toFixed(0)} MiB sent\n` +
        [...statuses]
          .map(
            ([kind, counts]) =>
              `  ${kind}: ${[...counts].map(([status, n]) => `${n}× ${status}`).join(', ')}`,
          )
          .join('\n'),
    );
    inspector?.close();
    await deployment?.stop();
  }, 60_000);

  it(`answers ${RUNS} generated malformed requests with 400, 413 or 415 (valid neighbours accepted), never a 5xx`, async () => {
    await fc.assert(fc.asyncProperty(badRequest, sendAndCheck), {
      numRuns: RUNS,
      interruptAfterTimeLimit: 900_000,
      markInterruptAsFailure: true,
    });
    timeline.mark(`${RUNS} generated requests answered`);
    // The run must have exercised validation itself, not only the early exits.
    const total = (status: number) =>
      [...statuses.values()].reduce((sum, counts) => sum + (counts.get(status) ?? 0), 0);
    expect(total(400)).toBeGreaterThan(RUNS / 2);
    expect(total(415)).toBeGreaterThan(0);
    expect(total(202)).toBeGreaterThan(0);
  }, 960_000);

  it('is still alive and healthy, with memory bounded', async () => {
    expect(deployment!.crashed()).toEqual([]);
    expect((await fetch(`${deployment!.url('ingestion')}/health/live`)).status).toBe(200);
    const afterRun = await memoryAfterGc();
    expect(afterRun.heap - afterWarmUp.heap).toBeLessThan(HEAP_GROWTH_BOUND);
    expect(afterRun.rss - afterWarmUp.rss).toBeLessThan(RSS_GROWTH_BOUND);
  });

  it('wrote every accepted valid event to events.raw, and nothing else', async () => {
    expect(acknowledged.length).toBeGreaterThan(200);
    const { kafka, names } = deployment!.topics;
    await waitFor(
      'every acknowledged event on events.raw',
      async () => missingFrom(await eventIdsIn(kafka, names.eventsRaw), acknowledged).length === 0,
      { timeoutMs: 30_000, intervalMs: 1_000 },
    ).catch(() => undefined);
    const raw = await eventIdsIn(kafka, names.eventsRaw);
    expect(missingFrom(raw, acknowledged)).toEqual([]);
    // Nothing else got in: no malformed event, and no valid one whose request was refused.
    expect(missingFrom(acknowledged, raw)).toEqual([]);
    expect(raw.filter((id) => !id.startsWith(`${run}-ok-`))).toEqual([]);
  });
});

/** How ingestion refuses a request with nothing valid in it: bad content, too large, wrong media type. */
const MALFORMED_ANSWERS: readonly number[] = [400, 413, 415];

/** The answer the API owes this request; throws (with the request's kind) when it is not that. */
function check(request: BadRequest, rendered: RenderedRequest, outcome: Outcome): void {
  const where = `${request.kind} → ${request.endpoint} (${request.contentType ?? 'no content type'}, ${rendered.body.length} bytes)`;
  if (outcome.status >= 500) {
    throw new Error(`${where}: HTTP ${outcome.status}: ${outcome.text.slice(0, 300)}`);
  }
  if (rendered.validIds.length === 0) {
    if (!MALFORMED_ANSWERS.includes(outcome.status)) {
      throw new Error(
        `${where}: HTTP ${outcome.status} instead of a validation answer (${MALFORMED_ANSWERS.join(', ')}): ${outcome.text.slice(0, 300)}`,
      );
    }
    return;
  }
  if (outcome.status !== 202) {
    throw new Error(
      `${where}: valid events were refused (HTTP ${outcome.status}): ${outcome.text.slice(0, 300)}`,
    );
  }
  const answer = JSON.parse(outcome.text) as {
    accepted: { index: number; id: string }[];
    rejected: { index: number }[];
  };
  const accepted = answer.accepted.map(({ index, id }) => `${index}:${id}`);
  const expected = rendered.validIndexes.map((index, position) => `${index}:${rendered.validIds[position]}`);
  if (accepted.join(',') !== expected.join(',')) {
    throw new Error(`${where}: accepted ${accepted.join(',')} instead of ${expected.join(',')}`);
  }
  const slots = 'slots' in request ? request.slots.length : 0;
  if (answer.rejected.length !== slots - rendered.validIds.length) {
    throw new Error(
      `${where}: rejected ${answer.rejected.length} of ${slots - rendered.validIds.length} malformed`,
    );
  }
}
