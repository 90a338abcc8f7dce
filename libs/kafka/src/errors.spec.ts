import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import {
  ErrorClassifier,
  PoisonMessageError,
  TransientError,
  errorClassOf,
  errorMessageOf,
  isProducerFenced,
} from './errors';

describe('errors', () => {
  it('gives a poison message its own error class, PoisonMessage by default', () => {
    expect(errorClassOf(new PoisonMessageError('bad bytes'))).toBe('PoisonMessage');
    expect(errorClassOf(new PoisonMessageError('bad', 'ContractViolation'))).toBe('ContractViolation');
    expect(new PoisonMessageError('bad')).toBeInstanceOf(Error);
    expect(new PoisonMessageError('bad').name).toBe('PoisonMessageError');
  });

  it('keeps the cause of a poison message', () => {
    const cause = new Error('root');
    expect(new PoisonMessageError('bad', 'X', { cause }).cause).toBe(cause);
  });

  it("recognises Kafka's fencing of a transactional producer, also wrapped in kafkajs' retries", () => {
    // As kafkajs builds them from a response's error code.
    const protocolError = (type: string, code: number, message: string) =>
      new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable: false }));
    const fenced = protocolError(
      'INVALID_PRODUCER_EPOCH',
      47,
      'Producer attempted an operation with an old epoch',
    );
    expect(fenced.type).toBe('INVALID_PRODUCER_EPOCH');
    expect(isProducerFenced(fenced)).toBe(true);
    expect(
      isProducerFenced(new KafkaJSNumberOfRetriesExceeded(fenced, { retryCount: 5, retryTime: 100 })),
    ).toBe(true);
    const otherProtocolError = protocolError('NOT_LEADER_FOR_PARTITION', 6, 'not the leader');
    expect(isProducerFenced(otherProtocolError)).toBe(false);
    expect(isProducerFenced(new Error('INVALID_PRODUCER_EPOCH'))).toBe(false);
  });

  it('carries the retry-after of a transient error', () => {
    const error = new TransientError('429 from Slack', 1_500);
    expect(error.retryAfterMs).toBe(1_500);
    expect(error.name).toBe('TransientError');
    expect(new TransientError('down').retryAfterMs).toBeUndefined();
    expect(errorClassOf(error)).toBe('TransientError');
  });

  it('names other errors by their name, and non-errors by their type', () => {
    class ContractViolation extends Error {
      override name = 'ContractViolation';
    }
    expect(errorClassOf(new ContractViolation('x'))).toBe('ContractViolation');
    expect(errorClassOf(new TypeError('x'))).toBe('TypeError');
    expect(errorClassOf('boom')).toBe('string');
    expect(errorClassOf(undefined)).toBe('undefined');
  });

  it('classifies handler errors: its own classes, the registered poison classes, the rest retryable', () => {
    class ContractViolation extends Error {
      override name = 'ContractViolation';
    }
    const classifier = new ErrorClassifier({ poison: [ContractViolation] });
    expect(classifier.classify(new PoisonMessageError('bad'))).toBe('poison');
    expect(classifier.classify(new ContractViolation('bad'))).toBe('poison');
    expect(classifier.classify(new TransientError('down'))).toBe('transient');
    expect(classifier.classify(new TypeError('bug'))).toBe('retryable');
    expect(classifier.classify('thrown string')).toBe('retryable');
    // Unregistered, a contract violation is an ordinary error: retried, then dead-lettered.
    expect(new ErrorClassifier().classify(new ContractViolation('bad'))).toBe('retryable');
  });

  it('gives the message of errors and the string form of anything else', () => {
    expect(errorMessageOf(new Error('broken'))).toBe('broken');
    expect(errorMessageOf('plain')).toBe('plain');
    expect(errorMessageOf(42)).toBe('42');
  });
});
