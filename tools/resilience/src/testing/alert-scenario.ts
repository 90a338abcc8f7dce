import { alertEventSchema, type AlertEvent } from '@pulse/contracts';
import { readDeadLetter, type DeadLetterEntry } from '@pulse/kafka';
import {
  AcknowledgingClient,
  TestDeployment,
  alertRecords,
  customerId,
  lifecycleViolations,
  orderOf,
  readAll,
  stockLevelOf,
  transitionKey,
  transitionsIn,
  uniqueName,
  waitFor,
} from '@pulse/testing';

/**
 * The alerting scenario of the Slack cases: four products drained to zero stock and one
 * customer's burst of orders — five alerts in two groups (stock-out, fraud-velocity), so two
 * Slack messages when delivery goes well.
 */
export const DRAINED = ['p-0001', 'p-0002', 'p-0003', 'p-0004'];
export const FRAUDSTER = customerId(2);
const MAX_ORDERS = 3;

/** The two rules; `within` long enough that the fraud burst does not age out (and resolve) mid-case. */
export function alertScenarioRules(within = '10m'): string {
  return `rules:
  - name: stock-out
    kind: low_stock
    severity: warning
    threshold: 1
    perWarehouse: false
  - name: fraud-velocity
    kind: fraud_velocity
    severity: critical
    maxOrders: ${MAX_ORDERS}
    within: ${within}
`;
}

/**
 * A deployment of ingestion, enrichment and alert with the scenario's rules, reading from the
 * start, a 1 s group wait and Slack retries at most 5 s apart (so delivery follows a fault
 * within seconds); `env` adds to that.
 */
export function startAlertDeployment(
  label: string,
  env: NodeJS.ProcessEnv = {},
  rules = alertScenarioRules(),
): Promise<TestDeployment> {
  return TestDeployment.start({
    label,
    services: ['ingestion', 'enrichment', 'alert'],
    alertRules: rules,
    env: {
      PULSE_CONSUMER_START: 'earliest',
      PULSE_ALERT_GROUP_WAIT: '1s',
      PULSE_SLACK_MAX_BACKOFF: '5s',
      ...env,
    },
  });
}

/** Sends the scenario's events through ingestion, retried until acknowledged. */
export async function sendAlertingEvents(
  deployment: TestDeployment,
  label: string,
  signal: AbortSignal,
): Promise<void> {
  const client = new AcknowledgingClient({
    target: deployment.url('ingestion'),
    apiKey: deployment.credentials.apiKey,
    giveUpAfterMs: 30_000,
    signal,
  });
  const run = uniqueName(label);
  await client.sendBatch([
    ...DRAINED.map((productId, index) => stockLevelOf(`${run}-stock-${index}`, productId, 0)),
    ...Array.from({ length: MAX_ORDERS + 1 }, (_, index) =>
      orderOf(`${run}-order-${index}`, FRAUDSTER, { productId: 'p-0005', quantity: 1, unitPrice: 80 }),
    ),
  ]);
}

/** Waits for the five firing alerts on the alerts topic; returns their transition keys. */
export async function firingAlerts(deployment: TestDeployment): Promise<string[]> {
  return waitFor(
    'five firing alerts on the alerts topic',
    async () => {
      const records = await alertRecords(deployment.topics.kafka, deployment.topics.names.alerts);
      return records.length >= DRAINED.length + 1 ? records.map(transitionKey) : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

/** The alert transitions Slack received, one per alert a message carried. */
export function deliveredTransitions(deployment: TestDeployment): string[] {
  return deployment.slack.messages.flatMap((message) => transitionsIn(message));
}

/** Waits until Slack received every expected transition; returns quietly at the timeout (tests judge). */
export async function untilDelivered(
  deployment: TestDeployment,
  expected: readonly string[],
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    'every alert delivered to Slack',
    () => expected.every((key) => deliveredTransitions(deployment).includes(key)),
    { timeoutMs, intervalMs: 250 },
  ).catch(() => undefined);
}

/** An alert record in the dead-letter topic, with why it is there. */
export interface DeadLetteredAlert {
  entry: DeadLetterEntry;
  alert: AlertEvent;
}

/** Every record of the deployment's dead-letter topic, read as alert records (it must hold nothing else). */
export async function deadLetteredAlerts(deployment: TestDeployment): Promise<DeadLetteredAlert[]> {
  const messages = await readAll(deployment.topics.kafka, deployment.topics.names.deadLetter, {
    timeoutMs: 30_000,
  });
  return messages.map((message) => ({
    entry: readDeadLetter(message),
    alert: alertEventSchema.parse(JSON.parse(message.value?.toString('utf8') ?? 'null')),
  }));
}

/**
 * The scenario's five alerts fired, each once, and every lifecycle is valid: in `records` (e.g.
 * the alerts topic before a re-drive added copies), else in the alerts topic as it is now.
 */
export async function expectTheFiveAlertsOnce(
  deployment: TestDeployment,
  records?: readonly AlertEvent[],
): Promise<void> {
  records ??= await alertRecords(deployment.topics.kafka, deployment.topics.names.alerts);
  expect(lifecycleViolations(records)).toEqual([]);
  const subjects = records.map(
    (alert) => `${alert.rule} ${alert.state} ${alert.labels.product ?? alert.labels.customer}`,
  );
  expect(subjects.sort()).toEqual(
    [...DRAINED.map((product) => `stock-out firing ${product}`), `fraud-velocity firing ${FRAUDSTER}`].sort(),
  );
}
