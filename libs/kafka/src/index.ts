export { createKafka, kafkaConnectionFromEnv } from './connection';
export type { KafkaConnectionConfig, KafkaEnv } from './connection';
export {
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  PulseProducer,
  requestBytes,
  sendAtomically,
} from './producer';
export type {
  AtomicSendOptions,
  PreparedRecord,
  ProducerOptions,
  RequestListener,
  SendOptions,
} from './producer';
export { COMPRESSIONS, DEFAULT_COMPRESSION, compressionType } from './compression';
export type { Compression } from './compression';
export {
  heartbeatIntervalFor,
  kafkaCommitIntervalSchema,
  kafkaConsumerSchema,
  kafkaProducerSchema,
} from './kafka-env';
export { ConsumerRunner } from './consumer-runner';
export type {
  CommitPoint,
  ConsumerHealth,
  ConsumerHooks,
  ConsumerRunnerOptions,
  ConsumerState,
  MessageHandler,
  PartitionRef,
} from './consumer-runner';
export { TopicTableReader } from './table-reader';
export type { TableReaderOptions } from './table-reader';
export {
  ErrorClassifier,
  PoisonMessageError,
  TransactionAbortedError,
  TransactionFencedError,
  TransactionOutcomeUnknownError,
  TransientError,
  errorClassOf,
  errorMessageOf,
} from './errors';
export type { ErrorType, FailureKind } from './errors';
export {
  DLQ_HEADER,
  deadLetterRecord,
  readDeadLetter,
  undeliveredOutputRecord,
  type DeadLetterKind,
  type UndeliveredOutput,
} from './dead-letter';
export type { DeadLetterEntry, DeadLetterReason } from './dead-letter';
export { KafkaMetrics } from './kafka-metrics';
export { TOPIC, declaredTopics, ensureTopics, topicNames } from './topics';
export type { EnsureTopicsResult, TopicKey, TopicLayout, TopicNames, TopicSpec } from './topics';
export { decodeHeaders, toConsumedMessage } from './message';
export type { ConsumedMessage, OutgoingRecord } from './message';
export {
  bootstrapServer,
  extractTraceContext,
  injectTraceContext,
  withMessageSpan,
  type KafkaServer,
} from './trace-context';
export { retryRetriable } from './retriable';
export { KafkaModule, KafkaRuntime, KAFKA_CLIENT, TOPICS } from './kafka.module';
export type { KafkaModuleOptions, KafkaServiceEnv } from './kafka.module';
export {
  ConsumerGroupActiveError,
  committedOffsets,
  consumerGroupState,
  offsetsAtTime,
  partitionBounds,
  readTopicRange,
  resetGroupOffsets,
} from './operations';
export type { CommittedPosition, PartitionOffsets, ReadRangeOptions, ReadRangeResult } from './operations';
export { KafkaAdmin } from './admin';
export type { KafkaOffsets, PartitionBounds } from './admin';
