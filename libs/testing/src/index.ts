export { stack, uniqueName, waitFor } from './stack';
export { createTestTopics, readAll, testKafka, waitForMessages } from './kafka-fixtures';
export type { TestTopics } from './kafka-fixtures';
