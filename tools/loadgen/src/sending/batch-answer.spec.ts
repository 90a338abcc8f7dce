import { interpretBatchAnswer } from './batch-answer';

describe('interpretBatchAnswer', () => {
  it('reads which items ingestion wrote and which it refused', () => {
    const body = JSON.stringify({
      accepted: [
        { index: 0, id: 'a' },
        { index: 2, id: 'c' },
      ],
      rejected: [{ index: 1, errors: [{ path: 'time', message: 'must be an RFC 3339 timestamp' }] }],
    });
    expect(interpretBatchAnswer(202, body, 3)).toEqual({
      kind: 'outcomes',
      outcomes: ['accepted', 'rejected', 'accepted'],
    });
  });

  it('takes a 400 that lists every item as refused as outcomes, not as a failure of the run', () => {
    const body = JSON.stringify({
      error: 'invalid_events',
      message: 'none of the 2 events is valid',
      accepted: [],
      rejected: [
        { index: 0, errors: [] },
        { index: 1, errors: [] },
      ],
    });
    expect(interpretBatchAnswer(400, body, 2)).toEqual({
      kind: 'outcomes',
      outcomes: ['rejected', 'rejected'],
    });
  });

  it('marks items the answer does not mention as failed (fate unknown)', () => {
    const body = JSON.stringify({ accepted: [{ index: 0, id: 'a' }], rejected: [] });
    expect(interpretBatchAnswer(202, body, 2)).toEqual({
      kind: 'outcomes',
      outcomes: ['accepted', 'failed'],
    });
  });

  it('stops the run on answers a retry cannot fix', () => {
    expect(interpretBatchAnswer(403, '{"error":"forbidden"}', 1)).toEqual({
      kind: 'fatal',
      message: 'ingestion answered HTTP 403: {"error":"forbidden"}',
    });
    expect(interpretBatchAnswer(400, '{"error":"not_an_array"}', 1).kind).toBe('fatal');
    expect(interpretBatchAnswer(202, 'not json', 1).kind).toBe('fatal');
  });
});
