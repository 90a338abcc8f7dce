import { RetryStoppedError, retrying } from './retrying';

const policy = { initialMs: 100, maxMs: 1_000, factor: 2 };

describe('retrying', () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  beforeEach(() => waits.splice(0));

  it('repeats until the operation succeeds, waiting by the backoff, and tells onRetry', async () => {
    const seen: number[] = [];
    let calls = 0;
    const result = await retrying(
      async (attempt) => {
        calls += 1;
        if (attempt < 3) throw new Error(`failure ${attempt}`);
        return 'done';
      },
      { policy, sleep, onRetry: (_, attempt) => seen.push(attempt) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('throws the last error after maxAttempts', async () => {
    let calls = 0;
    await expect(
      retrying(
        async () => {
          calls += 1;
          throw new Error(`failure ${calls}`);
        },
        { policy, sleep, maxAttempts: 3 },
      ),
    ).rejects.toThrow('failure 3');
    expect(calls).toBe(3);
  });

  it('throws at once an error shouldRetry refuses', async () => {
    let calls = 0;
    await expect(
      retrying(
        async () => {
          calls += 1;
          throw new RangeError('for good');
        },
        { policy, sleep, shouldRetry: (error) => !(error instanceof RangeError) },
      ),
    ).rejects.toThrow('for good');
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it("waits the server's hint instead of the backoff, capped at maxHintMs", async () => {
    let calls = 0;
    await retrying(
      async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('429'), { retryAfterMs: 300 });
        if (calls === 2) throw Object.assign(new Error('429'), { retryAfterMs: 3_600_000 });
      },
      {
        policy: { ...policy, maxHintMs: 2_000 },
        sleep,
        delayHintMs: (error) => (error as { retryAfterMs?: number }).retryAfterMs,
      },
    );
    expect(waits).toEqual([300, 2_000]);
  });

  it('ends with RetryStoppedError, carrying the last failure, once stopped', async () => {
    let stop = false;
    const failure = new Error('still down');
    const outcome = retrying(
      async () => {
        throw failure;
      },
      {
        policy,
        stopped: () => stop,
        sleep: async () => {
          stop = true;
        },
      },
    );
    await expect(outcome).rejects.toBeInstanceOf(RetryStoppedError);
    await expect(outcome).rejects.toMatchObject({ lastError: failure });
  });
});
