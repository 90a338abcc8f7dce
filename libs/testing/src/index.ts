// Test helpers for every project's specs, one flat folder: generic helpers live here; helpers
// tied to one project's internals live in that project's `src/testing/`.

// The local stack, names, polling.
export { dropTestDatabase, stack, testInflux, uniqueName, waitFor } from './stack';
export { createTestTopics, readAll, testKafka, waitForMessages } from './kafka-fixtures';
export type { TestTopics } from './kafka-fixtures';
export { startInfluxV2Api } from './influxdb-v2-api';
export { PrivateComponent } from './private-component';
export type { PrivateComponentName } from './private-component';

// Running Pulse in a test.
export { compileServices } from './compile-services';
export type { CompiledWorkspace } from './compile-services';
export { DeploymentIsolation, IsolatedDeployment } from './deployment-isolation';
export type { DeploymentIsolationOptions, StackAddresses } from './deployment-isolation';
export { TestDeployment } from './test-deployment';
export type { TestDeploymentOptions } from './test-deployment';
export { waitUntilSettled } from './wait-until-settled';
export type { SettlingDeployment } from './wait-until-settled';
export { metricValue } from './metric-value';
export { MiB, residentBytes } from './process-memory';
export { continueProcess, stopProcess, threadStates } from './process-stop';
export { InspectorSession } from './inspector-session';
export { Timeline } from './timeline';

// Stand-ins and faults.
export { fakeInflux, reply } from './fake-influx';
export type { FakeInflux, SeenRequest } from './fake-influx';
export { TableKafkaDouble } from './table-kafka-double';
export type { TableRecord } from './table-kafka-double';
export { StallingProxy } from './stalling-proxy';
export { OtlpReceiver, SPAN_KIND, spansOf, tracingEnv } from './otlp-receiver';
export type { ReceivedSpan } from './otlp-receiver';

// Test data and what Pulse must make of it.
export { SeededRandom } from './seeded-random';
export { ShopEventSource, customerId, expectedTotals, orderOf, stockLevelOf } from './shop-events';
export type { OrderLineSent, ShopEvent } from './shop-events';
export { AcknowledgingClient, RefusedError, sendUntilStopped } from './acknowledging-client';
export type { Acknowledged, AcknowledgingClientOptions, IngestionAnswer } from './acknowledging-client';
export { eventIdsIn, missingFrom } from './topic-contents';
export { alertRecords, latestPerAlert, lifecycleViolations, transitionKey } from './alerts-topic';
export { repeated, transitionsIn } from './slack-alerts';
export { compareTotalsWithReporting } from './reporting-totals';
export type { TotalsComparison } from './reporting-totals';

// Prometheus metrics and the PromQL Pulse ships.
export {
  TARGET_LABELS,
  checkWithPromtool,
  installedPromtool,
  liveServiceRegistryMetrics,
  metricProblems,
  metricsDefinedInSource,
  registeredMetrics,
  selectorsOf,
} from './prometheus-metrics';
export type { MetricType, RegisteredMetric, Selector } from './prometheus-metrics';
