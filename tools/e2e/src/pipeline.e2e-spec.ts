import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertEventSchema, EventType, type AlertEvent } from '@pulse/contracts';
import { LoadgenProcess, reconcileWithReporting, waitForQuiet, type GroundTruth } from '@pulse/fleet';
import { readDeadLetter } from '@pulse/kafka';
import {
  OtlpReceiver,
  SPAN_KIND,
  TestDeployment,
  readAll,
  stack,
  tracingEnv,
  waitFor,
  type ReceivedSpan,
} from '@pulse/testing';
import { BIG_ORDER_USD, E2E_RULES, FRAUD_MAX_ORDERS } from './testing/e2e-rules';

/**
 * The whole of Pulse as it runs in production: five services as separate processes, configured
 * by environment only, against the real Kafka, InfluxDB and NATS, fed by the load generator with
 * a fixed seed — and checked against the generator's ground truth.
 */
describe('Pulse end to end', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pulse-e2e-'));
  let otlp: OtlpReceiver;
  let deployment: TestDeployment;
  let truth: GroundTruth;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    deployment = await TestDeployment.start({
      label: 'e2e',
      alertRules: E2E_RULES,
      env: {
        ...tracingEnv(otlp.endpoint),
        // Fresh topics: the alert evaluator must see them from their first record.
        PULSE_CONSUMER_START: 'earliest',
        PULSE_ALERT_GROUP_WAIT: '1s',
      },
    });
    const loadgen = LoadgenProcess.start(deployment.repoRoot, {
      scenario: 'flash-sale,fraud-burst,malformed-mix,late-duplicates',
      rate: 40,
      durationMs: 60_000,
      seed: 42,
      target: deployment.url('ingestion'),
      apiKey: deployment.credentials.apiKey,
      groundTruthFile: join(scratch, 'ground-truth.json'),
      logFile: join(deployment.logDir, 'loadgen.log'),
      extraArgs: [
        '--start-time',
        new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
        '--malformed-via',
        'both',
        '--kafka-brokers',
        stack.kafkaBrokers.join(','),
        '--topic-prefix',
        deployment.topics.prefix,
      ],
    });
    truth = await loadgen.finished();
    await waitForQuiet(deployment.monitored(), deployment.topics.prefix, { timeoutMs: 60_000 });
  }, 200_000);

  afterAll(async () => {
    await deployment?.stop();
    await otlp?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('ran a scenario with every kind of traffic, each event acknowledged or refused', () => {
    expect(truth.exact).toBe(true);
    expect(truth.events.failed).toBe(0);
    expect(truth.totals.orders).toBeGreaterThan(200);
    expect(truth.malformed.bypass.written).toBeGreaterThan(10);
    expect(truth.duplicates.accepted).toBeGreaterThan(10);
    expect(truth.late.accepted).toBeGreaterThan(5);
    expect(truth.expectations.orderBursts).toHaveLength(1);
    expect(truth.expectations.stockOuts.length).toBeGreaterThan(0);
  });

  it('refused exactly the malformed events sent to the API, with reasons, and nothing else', () => {
    const sentToApi = truth.malformed.sent - truth.malformed.bypass.sent;
    expect(sentToApi).toBeGreaterThan(10);
    expect(truth.malformed.rejected).toBe(sentToApi);
    expect(truth.malformed.accepted).toBe(0);
    expect(truth.events.rejected).toBe(sentToApi);
  });

  it('reports exactly the ground truth: every window, category, region and currency', async () => {
    const result = await reconcileWithReporting({
      reportingUrl: deployment.url('reporting'),
      token: deployment.credentials.reportingToken,
      truth,
      timeoutMs: 60_000,
    });
    expect(result.mismatches).toEqual([]);
    expect(result.compared).toBeGreaterThan(500);
  });

  it('dead-letters exactly the malformed events written past the API, with why', async () => {
    const letters = await readAll(deployment.topics.kafka, deployment.topics.names.deadLetter);
    expect(letters.map((message) => message.key?.toString('utf8')).sort()).toEqual(
      [...truth.malformed.bypass.ids].sort(),
    );
    for (const letter of letters) {
      const why = readDeadLetter(letter);
      expect(why.sourceTopic).toBe(deployment.topics.names.eventsRaw);
      expect(why.service).toBe('enrichment');
      expect(why.errorMessage).not.toBe('');
    }
  });

  it('fires the expected alerts, and Slack receives each of them', async () => {
    const fraudster = truth.expectations.orderBursts[0]!.customerId;
    const drained = [...new Set(truth.expectations.stockOuts.map((stockOut) => stockOut.productId))].sort();
    const fired = await waitFor(
      'the expected alerts on the alerts topic',
      async () => {
        const alerts = await alertsThatFired(deployment);
        const products = new Set(
          alerts.filter((alert) => alert.rule === 'stock-out').map((a) => a.labels.product),
        );
        return alerts.some((alert) => alert.rule === 'fraud-velocity') &&
          drained.every((id) => products.has(id))
          ? alerts
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    const fraud = fired.filter((alert) => alert.rule === 'fraud-velocity');
    expect(fraud.map((alert) => alert.labels.customer)).toEqual([fraudster]);
    expect(fraud[0]!.value).toBeGreaterThan(FRAUD_MAX_ORDERS);
    const stockOuts = fired
      .filter((alert) => alert.rule === 'stock-out')
      .map((alert) => alert.labels.product);
    expect(stockOuts.sort()).toEqual(drained);
    expect(fired.filter((alert) => !['fraud-velocity', 'stock-out'].includes(alert.rule))).toEqual([]);

    const subjects = [fraudster, ...drained];
    await waitFor(
      'a Slack message about every alert that fired',
      () => subjects.every((id) => deployment.slack.messages.some((message) => message.text.includes(id))),
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
  });

  it('follows one order that triggers an alert in one trace, through ingestion, enrichment, aggregation and alert', async () => {
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const orderId = `trace-${traceId.slice(0, 12)}`;
    const response = await fetch(`${deployment.url('ingestion')}/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': deployment.credentials.apiKey,
        // Sampled by the caller: the services sample parent-based, ratio 0 for new traces.
        traceparent: `00-${traceId}-${clientSpanId}-01`,
      },
      body: JSON.stringify({
        id: orderId,
        type: EventType.OrderPlaced,
        source: 'e2e-tracing',
        time: new Date().toISOString(),
        customerid: 'c-00001',
        data: {
          orderId,
          currency: 'USD',
          lines: [{ productId: 'p-0001', quantity: 2_000, unitPrice: Math.ceil(BIG_ORDER_USD / 1_000) }],
        },
      }),
    });
    expect(response.status).toBe(202);

    const services = ['pulse-ingestion', 'pulse-enrichment', 'pulse-aggregation', 'pulse-alert'];
    const spans = await waitFor(
      'spans of the order from every service, the alert included',
      () => {
        const trace = otlp.trace(traceId);
        const alerted = trace.some(
          (span) =>
            span.serviceName === 'pulse-alert' &&
            span.kind === SPAN_KIND.producer &&
            span.name.endsWith('alerts'),
        );
        return services.every((name) => trace.some((span) => span.serviceName === name)) && alerted
          ? trace
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);

    // One root inside the services: ingestion's HTTP server span, child of the caller's span.
    const roots = spans.filter((span) => span.parentSpanId === clientSpanId);
    expect(roots.map((span) => [span.serviceName, span.kind])).toEqual([
      ['pulse-ingestion', SPAN_KIND.server],
    ]);
    // Every other span hangs off a span of the same trace: no orphan, no second trace.
    expect(
      spans.filter((span) => span.parentSpanId !== clientSpanId && !byId.has(span.parentSpanId)),
    ).toEqual([]);

    // Each Kafka hop: a CONSUMER span whose parent is the upstream service's PRODUCER span.
    const hop = (consumer: string, topic: string, producer: string) => {
      const consumed = spans.filter(
        (span) =>
          span.serviceName === consumer &&
          span.kind === SPAN_KIND.consumer &&
          span.attributes['messaging.destination.name'] === `${deployment.topics.prefix}${topic}`,
      );
      expect(consumed.length).toBeGreaterThan(0);
      for (const span of consumed) {
        expect([parentOf(span)?.serviceName, parentOf(span)?.kind]).toEqual([producer, SPAN_KIND.producer]);
        // Both ends name the broker they were given to start from.
        for (const end of [span, parentOf(span)]) {
          expect([end?.attributes['server.address'], end?.attributes['server.port']]).toEqual([
            bootstrapHost,
            bootstrapPort,
          ]);
        }
      }
    };
    const [bootstrapHost, port] = stack.kafkaBrokers[0]!.split(':');
    const bootstrapPort = Number(port);
    hop('pulse-enrichment', 'events.raw', 'pulse-ingestion');
    hop('pulse-aggregation', 'events.enriched', 'pulse-enrichment');
    hop('pulse-alert', 'events.enriched', 'pulse-enrichment');
  });
});

/** The first firing record of every alert that fired on the deployment's alerts topic. */
async function alertsThatFired(deployment: TestDeployment): Promise<AlertEvent[]> {
  const fired = new Map<string, AlertEvent>();
  for (const message of await readAll(deployment.topics.kafka, deployment.topics.names.alerts)) {
    const alert = alertEventSchema.parse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
    if (alert.state === 'firing' && !fired.has(alert.fingerprint)) fired.set(alert.fingerprint, alert);
  }
  return [...fired.values()];
}
