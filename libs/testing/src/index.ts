export { dropTestDatabase, stack, uniqueName, waitFor } from './stack';
export { createTestTopics, readAll, testKafka, waitForMessages } from './kafka-fixtures';
export type { TestTopics } from './kafka-fixtures';
export { ServiceProcess, compileServices, freePort, killServiceProcesses, repoRoot } from './service-process';
export type { CompiledWorkspace } from './service-process';
export { startInfluxV2Api } from './influxdb-v2-api';
export { TableKafkaDouble } from './table-kafka-double';
export type { TableRecord } from './table-kafka-double';
