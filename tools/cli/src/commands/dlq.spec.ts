import {
  TransactionAbortedError,
  TransactionFencedError,
  TransactionOutcomeUnknownError,
  deadLetterRecord,
  readDeadLetter,
  type ConsumedMessage,
} from '@pulse/kafka';
import { CliError } from '../cli';
import { matches, redriveFailure, redriveRecord, REDRIVEN_FROM_HEADER, type DeadLetter } from './dlq';

function letter(sourceTopic: string, errorClass = 'ContractViolation'): DeadLetter {
  const failed: ConsumedMessage = {
    topic: sourceTopic,
    partition: 2,
    offset: '41',
    key: Buffer.from('cust-1'),
    value: Buffer.from('{"broken":'),
    headers: { ce_id: 'e-1', traceparent: '00-abc-def-01' },
    timestamp: 1_700_000_000_000,
  };
  const record = deadLetterRecord('t.dead-letter', 'enrichment', failed, {
    errorClass,
    errorMessage: 'not valid JSON',
    attempts: 1,
    firstFailureTime: new Date('2026-03-01T12:00:00Z'),
  });
  const stored: ConsumedMessage = {
    topic: 't.dead-letter',
    partition: 0,
    offset: '7',
    key: record.key as Buffer,
    value: record.value as Buffer,
    headers: record.headers ?? {},
    timestamp: record.timestamp ?? 0,
  };
  return { message: stored, entry: readDeadLetter(stored) };
}

describe('dlq', () => {
  it('matches source topics given with or without the prefix, and error classes', () => {
    const poisoned = letter('t.events.raw');
    expect(matches(poisoned, { sourceTopic: 'events.raw' }, 't.')).toBe(true);
    expect(matches(poisoned, { sourceTopic: 't.events.raw' }, 't.')).toBe(true);
    expect(matches(poisoned, { sourceTopic: 'raw' }, 't.')).toBe(false);
    expect(matches(poisoned, { errorClass: 'ContractViolation' }, 't.')).toBe(true);
    expect(matches(poisoned, { errorClass: 'TimeoutError' }, 't.')).toBe(false);
  });

  it('re-drives the original key, bytes, headers and timestamp to the source topic, saying where it came from', () => {
    expect(redriveRecord(letter('t.events.raw'))).toEqual({
      topic: 't.events.raw',
      key: Buffer.from('cust-1'),
      value: Buffer.from('{"broken":'),
      headers: { ce_id: 'e-1', traceparent: '00-abc-def-01', [REDRIVEN_FROM_HEADER]: 't.dead-letter/0/7' },
      timestamp: 1_700_000_000_000,
    });
  });

  describe('a re-drive that did not commit', () => {
    const id = 'p.pulse-cli-dlq-redrive';
    const commitError = new Error('The server experienced an unexpected error when processing the request');

    function message(error: unknown): string {
      const failure = redriveFailure(error);
      expect(failure).toBeInstanceOf(CliError);
      return (failure as CliError).message;
    }

    it('says another re-drive took over when the transaction was fenced', () => {
      const said = message(new TransactionFencedError(id, { cause: commitError }));
      expect(said).toContain(
        'another `pulse dlq redrive` took over while this one ran, and this one sent nothing',
      );
      expect(said).toContain('run it again to re-drive what is left (records that went back are skipped)');
    });

    it('says Kafka aborted it, and that nothing was sent, when it outlived its timeout', () => {
      const aborted = new TransactionAbortedError(
        id,
        `Kafka aborted the transaction of ${id} after 60000 ms`,
      );
      expect(message(aborted)).toBe(
        `this re-drive sent nothing (Kafka aborted the transaction of ${id} after 60000 ms): run it again to ` +
          're-drive what is left (records that went back are skipped)',
      );
    });

    it('says the outcome is unknown, with the cause, and that running it again is safe', () => {
      const said = message(new TransactionOutcomeUnknownError(id, { cause: commitError }));
      expect(said).toBe(
        "this re-drive's commit got no clear answer (The server experienced an unexpected error when processing " +
          'the request) and Kafka did not show whether it landed: run it again to re-drive what is left (records ' +
          'that went back are skipped)',
      );
    });

    it('passes any other error on as it is', () => {
      const other = new Error('topic t.events.raw does not exist');
      expect(redriveFailure(other)).toBe(other);
    });
  });
});
