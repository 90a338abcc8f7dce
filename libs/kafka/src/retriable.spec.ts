import { retryRetriable } from './retriable';

describe('retryRetriable', () => {
  const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), {
    retriable: true,
  });

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('repeats a request that failed with a retriable broker error until it succeeds', async () => {
    const request = jest.fn().mockRejectedValueOnce(notLeader).mockResolvedValueOnce('offsets');
    const result = retryRetriable(request);
    await jest.runAllTimersAsync();
    await expect(result).resolves.toBe('offsets');
    expect(request).toHaveBeenCalledTimes(2);
  });

  it('throws other errors at once, and a retriable one after the last attempt', async () => {
    const fatal = jest.fn().mockRejectedValue(new Error('topic authorization failed'));
    await expect(retryRetriable(fatal)).rejects.toThrow('topic authorization failed');
    expect(fatal).toHaveBeenCalledTimes(1);

    const stuck = jest.fn().mockRejectedValue(notLeader);
    const result = retryRetriable(stuck, 3);
    const settled = expect(result).rejects.toThrow('not the leader');
    await jest.runAllTimersAsync();
    await settled;
    expect(stuck).toHaveBeenCalledTimes(3);
  });
});
