import { setTimeout as sleep } from 'node:timers/promises';
import { findRepoRoot } from '@pulse/fleet';
import {
  AcknowledgingClient,
  PrivateComponent,
  ShopEventSource,
  TestDeployment,
  Timeline,
  compareTotalsWithReporting,
  eventIdsIn,
  expectedTotals,
  missingFrom,
  sendUntilStopped,
  uniqueName,
  waitFor,
  waitUntilSettled,
} from '@pulse/testing';

const FAULT_MS = 20_000;
const RESUMED_EVENTS = 200;
const WINDOW_MS = 60_000;

/** What happens to the broker for 20 s. */
export interface BrokerFault {
  label: string;
  title: string;
  /** `stop`: SIGTERM, connections refused (an outage); `freeze`: SIGSTOP, nothing answered (a stall). */
  kind: 'stop' | 'freeze';
}

/**
 * The Kafka broker stops or stalls for 20 s while clients keep sending. Ingestion must refuse
 * with 503 and Retry-After (never acknowledge what Kafka did not), the consumers must ride it
 * out, and once the broker is back every acknowledged event must be in the figures exactly once
 * — also those a client re-sent after a 503 whose write Kafka appended after all.
 *
 * The broker is a private one (deploy/local with its own dir and ports): the shared broker that
 * other suites use is never touched. The clients are `AcknowledgingClient`s (@pulse/testing):
 * unlike the load generator, whose retry budget is a few seconds, they retry each
 * request with the same event ids until it is acknowledged, so the ledger of acknowledged events
 * is exact and the expected figures are computed from it independently of the pipeline.
 */
export function describeBrokerFault({ label, title, kind }: BrokerFault): void {
  describe(title, () => {
    const timeline = new Timeline(label);
    const abort = new AbortController();
    let kafka: PrivateComponent | undefined;
    let deployment: TestDeployment | undefined;
    const started = (): TestDeployment => {
      if (deployment === undefined) throw new Error('the deployment did not start');
      return deployment;
    };
    let batches: AcknowledgingClient;
    let singles: AcknowledgingClient;
    let trafficError: unknown;
    const acknowledged = () => [...batches.acknowledged, ...singles.acknowledged];
    const answers = () => [...batches.answers, ...singles.answers];

    beforeAll(async () => {
      const repoRoot = findRepoRoot(__dirname);
      kafka = await PrivateComponent.start('kafka', repoRoot);
      timeline.mark('private broker up');
      deployment = await TestDeployment.start({
        label,
        services: ['ingestion', 'enrichment', 'aggregation', 'reporting'],
        stack: { kafkaBrokers: [kafka.address] },
        serviceEnv: {
          // Requests stuck behind the outage are acknowledged up to ~30 s after their event time;
          // the events must count, not be classed as late (lateness is not what this case tests).
          aggregation: { PULSE_ALLOWED_LATENESS: '2m' },
        },
      });
      timeline.mark('services ready');

      const clientOptions = {
        target: deployment.url('ingestion'),
        apiKey: deployment.credentials.apiKey,
        giveUpAfterMs: 120_000,
        signal: abort.signal,
      };
      batches = new AcknowledgingClient(clientOptions);
      singles = new AcknowledgingClient(clientOptions);
      const source = new ShopEventSource(uniqueName(label));
      const stopSending = new AbortController();
      const traffic = Promise.all([
        sendUntilStopped(batches, () => source.next(), {
          batchSize: 20,
          intervalMs: 400,
          signal: stopSending.signal,
        }),
        sendUntilStopped(singles, () => source.next(), {
          batchSize: 1,
          intervalMs: 250,
          signal: stopSending.signal,
        }),
      ]).catch((error: unknown) => {
        trafficError = error;
      });

      await sleep(6_000);
      timeline.mark('stopping the broker');
      if (kind === 'stop') await kafka.down();
      else kafka.freeze();
      timeline.mark('broker stopped');
      await sleep(FAULT_MS);
      timeline.mark('restarting the broker');
      if (kind === 'stop') await kafka.up();
      else kafka.thaw();
      const back = timeline.mark('broker back');
      // The pipeline must take traffic again: keep sending until a good share went through.
      await sleep(5_000);
      await waitFor(
        `${RESUMED_EVENTS} events acknowledged after the broker came back`,
        // A client that failed stops sending: the first test reports why.
        () =>
          trafficError !== undefined || acknowledged().filter(({ at }) => at > back).length >= RESUMED_EVENTS,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      timeline.mark('traffic flowing again');
      stopSending.abort();
      await traffic;
      timeline.mark('clients done');
      await waitUntilSettled(deployment, { timeoutMs: 120_000 });
      timeline.mark('pipeline settled');
      const all = answers();
      const raw = await eventIdsIn(deployment.topics.kafka, deployment.topics.names.eventsRaw);
      timeline.note(
        `${raw.length - new Set(raw).size} events are in events.raw more than once (re-sent after a 503)`,
      );
      timeline.note(
        `${acknowledged().length} events acknowledged; ${all.length} answers: ` +
          `${all.filter((answer) => answer.status === 202).length}× 202, ` +
          `${all.filter((answer) => answer.status === 503).length}× 503 (Retry-After ` +
          `${[...new Set(all.map((answer) => answer.retryAfter).filter((value) => value !== null))].join('/')} s)`,
      );
    }, 360_000);

    afterAll(async () => {
      abort.abort();
      console.log(timeline.toString());
      await deployment?.stop();
      await kafka?.destroy();
    }, 120_000);

    it('every request was eventually acknowledged', () => {
      expect(trafficError).toBeUndefined();
      expect(
        acknowledged().filter(({ at }) => at < timeline.at('stopping the broker')).length,
      ).toBeGreaterThan(100);
    });

    it('answered 503 with Retry-After while the broker was down, and only 202 or 503 throughout', () => {
      const whileDown = (client: AcknowledgingClient) =>
        client.answers.filter(
          ({ at }) => at > timeline.at('broker stopped') + 1_000 && at < timeline.at('restarting the broker'),
        );
      for (const client of [batches, singles]) {
        expect(whileDown(client).length).toBeGreaterThan(0);
        expect(whileDown(client).filter((answer) => answer.status !== 503)).toEqual([]);
      }
      for (const answer of answers().filter((candidate) => candidate.status === 503)) {
        expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
      }
      expect(answers().filter((answer) => answer.status !== 202 && answer.status !== 503)).toEqual([]);
    });

    it('lost no acknowledged event: each is in events.raw and in events.enriched', async () => {
      const ids = acknowledged().map(({ event }) => event.id);
      const { kafka: client, names } = started().topics;
      const raw = await eventIdsIn(client, names.eventsRaw);
      expect(missingFrom(raw, ids)).toEqual([]);
      const enriched = await eventIdsIn(client, names.eventsEnriched);
      expect(missingFrom(enriched, ids)).toEqual([]);
      // Nothing that was not acknowledged got in either (every event sent was eventually acknowledged).
      expect(missingFrom(ids, new Set(raw))).toEqual([]);
    });

    it('resumed after the outage, and the reported totals equal the acknowledged events exactly', async () => {
      const expected = expectedTotals(
        acknowledged().map(({ event }) => event),
        WINDOW_MS,
      );
      const comparison = await compareTotalsWithReporting(
        started().url('reporting'),
        started().credentials.reportingToken,
        expected,
        { windowMs: WINDOW_MS, timeoutMs: 60_000 },
      );
      expect(comparison.mismatches).toEqual([]);
      expect(comparison.compared).toBeGreaterThan(5);
    });

    it('no service crashed', () => {
      expect(started().crashed()).toEqual([]);
    });
  });
}
