import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { HealthRegistry, LOGGER, SERVICE_NAME, type Logger } from '@pulse/observability';
import { createKafka, kafkaConnectionFromEnv, type KafkaConnectionConfig, type KafkaEnv } from './connection';
import {
  ConsumerRunner,
  type ConsumerHooks,
  type ConsumerRunnerOptions,
  type MessageHandler,
} from './consumer-runner';
import { ErrorClassifier, type ErrorType } from './errors';
import { KafkaMetrics } from './kafka-metrics';
import { PulseProducer, type ProducerOptions } from './producer';
import { StartupConnector } from './startup-connector';
import { topicNames, type TopicNames } from './topics';
import { bootstrapServer } from './trace-context';

export const KAFKA_CLIENT = Symbol('pulse.kafka-client');
export const TOPICS = Symbol('pulse.topics');

export interface KafkaModuleOptions {
  connection: KafkaConnectionConfig;
  topicPrefix: string;
  producer?: ProducerOptions;
  /**
   * Error classes that mean the message itself is bad, e.g. ContractViolation: every consumer of
   * the service dead-letters them at once, like a PoisonMessageError (see ErrorClassifier).
   */
  poisonErrors?: readonly ErrorType[];
}

/** What a service's validated environment gives the Kafka module. */
export interface KafkaServiceEnv extends KafkaEnv {
  PULSE_TOPIC_PREFIX: string;
}

type RunnerOptions = Omit<ConsumerRunnerOptions, 'serviceName' | 'deadLetterTopic' | 'errors' | 'server'>;

/**
 * Creates the service's consumers with the shared producer, metrics, logger and dead-letter
 * topic; starts them with a readiness check, and stops them before the producer disconnects.
 */
@Injectable()
export class KafkaRuntime implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly runners: ConsumerRunner[] = [];
  private readonly producerConnector: StartupConnector;

  constructor(
    @Inject(KAFKA_CLIENT) readonly kafka: Kafka,
    @Inject(TOPICS) readonly topics: TopicNames,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
    readonly producer: PulseProducer,
    readonly metrics: KafkaMetrics,
    private readonly health: HealthRegistry,
    private readonly errors: ErrorClassifier,
  ) {
    this.producerConnector = new StartupConnector(producer, logger.child({ component: 'kafka-producer' }));
  }

  /** Kafka down at start-up is not fatal: the service starts not ready and keeps connecting. */
  async onModuleInit(): Promise<void> {
    this.health.register('kafka-producer', {
      kind: 'readiness',
      check: () => ({ ok: this.producer.isConnected(), detail: { saturated: this.producer.isSaturated() } }),
    });
    await this.producerConnector.start();
  }

  createConsumer(handler: MessageHandler, options: RunnerOptions, hooks?: ConsumerHooks): ConsumerRunner {
    const runner = new ConsumerRunner(
      this.kafka,
      this.producer,
      handler,
      {
        ...options,
        serviceName: this.serviceName,
        deadLetterTopic: this.topics.deadLetter,
        errors: this.errors,
        server: this.producer.server,
      },
      this.logger.child({ component: 'consumer', groupId: options.groupId }),
      this.metrics,
      hooks,
    );
    this.runners.push(runner);
    this.health.register(`kafka-consumer:${options.groupId}`, {
      kind: 'readiness',
      check: () => ({ ok: runner.isHealthy(), detail: { ...runner.health() } }),
    });
    this.health.register(`kafka-consumer-alive:${options.groupId}`, {
      kind: 'liveness',
      check: () => ({
        ok: runner.health().state !== 'crashed',
        detail: runner.health().lastError ?? undefined,
      }),
    });
    return runner;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  async onApplicationShutdown(): Promise<void> {
    this.producerConnector.stop();
    await this.producer.disconnect();
  }
}

@Global()
@Module({})
export class KafkaModule {
  /** The module for a service: connection and topic prefix from its validated environment. */
  static forService(
    serviceName: string,
    config: KafkaServiceEnv,
    options: Omit<KafkaModuleOptions, 'connection' | 'topicPrefix'> = {},
  ): DynamicModule {
    return KafkaModule.forRoot({
      connection: kafkaConnectionFromEnv(config, serviceName),
      topicPrefix: config.PULSE_TOPIC_PREFIX,
      ...options,
    });
  }

  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      providers: [
        {
          provide: KAFKA_CLIENT,
          inject: [LOGGER],
          useFactory: (logger: Logger) => createKafka(options.connection, logger),
        },
        { provide: TOPICS, useValue: topicNames(options.topicPrefix) },
        {
          provide: KafkaMetrics,
          inject: [Registry],
          useFactory: (registry: Registry) => new KafkaMetrics(registry),
        },
        {
          provide: PulseProducer,
          inject: [KAFKA_CLIENT, KafkaMetrics],
          useFactory: (kafka: Kafka, metrics: KafkaMetrics) =>
            new PulseProducer(kafka, metrics, {
              server: bootstrapServer(options.connection.brokers),
              ...(options.connection.compression === undefined
                ? {}
                : { compression: options.connection.compression }),
              ...options.producer,
            }),
        },
        {
          provide: ErrorClassifier,
          useValue: new ErrorClassifier({ poison: options.poisonErrors ?? [] }),
        },
        KafkaRuntime,
      ],
      exports: [KAFKA_CLIENT, TOPICS, KafkaMetrics, PulseProducer, KafkaRuntime],
    };
  }
}
