export { dropTestDatabase, stack, uniqueName, waitFor } from './stack';
export { createTestTopics, readAll, testKafka, waitForMessages } from './kafka-fixtures';
export type { TestTopics } from './kafka-fixtures';
export { compileServices } from './compile-services';
export type { CompiledWorkspace } from './compile-services';
export { startInfluxV2Api } from './influxdb-v2-api';
export { PrivateComponent } from './private-component';
export type { PrivateComponentName } from './private-component';
export { TableKafkaDouble } from './table-kafka-double';
export type { TableRecord } from './table-kafka-double';
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
