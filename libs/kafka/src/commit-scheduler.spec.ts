import { CommitScheduler, type CommitTarget } from './commit-scheduler';

const at = (partition: number, offset: number, metadata: string | null = null): CommitTarget => ({
  topic: 'in',
  partition,
  offset: String(offset),
  metadata,
});

function recorder() {
  const requests: string[][] = [];
  const send = jest.fn(async (targets: readonly CommitTarget[]) => {
    requests.push(targets.map((t) => `${t.partition}@${t.offset}`));
  });
  return { requests, send };
}

describe('CommitScheduler', () => {
  it('commits every batch when the interval is 0', async () => {
    const scheduler = new CommitScheduler(0, () => 1_000);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 1), send);
    await scheduler.offer(at(0, 2), send);
    expect(requests).toEqual([['0@1'], ['0@2']]);
    expect(scheduler.pending).toBe(0);
  });

  it('commits a partition at once after a quiet interval, and defers commits that come sooner', async () => {
    let now = 10_000;
    const scheduler = new CommitScheduler(1_000, () => now);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 5), send);
    now += 200;
    await scheduler.offer(at(0, 9), send);
    now += 200;
    await scheduler.offer(at(0, 12), send);
    expect(requests).toEqual([['0@5']]);
    expect(scheduler.pending).toBe(1);

    now += 700; // 1,100 ms after the last commit: due again, and it carries the newest position
    await scheduler.offer(at(0, 20), send);
    expect(requests).toEqual([['0@5'], ['0@20']]);
    expect(scheduler.pending).toBe(0);
  });

  it('keeps intervals per partition', async () => {
    let now = 0;
    const scheduler = new CommitScheduler(1_000, () => now);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 1), send);
    now += 10;
    await scheduler.offer(at(1, 7), send);
    now += 10;
    await scheduler.offer(at(0, 2), send);
    expect(requests).toEqual([['0@1'], ['1@7']]);
    expect(scheduler.pending).toBe(1);
  });

  it('flushes the newest deferred position of every partition in one request, with metadata', async () => {
    let now = 0;
    const scheduler = new CommitScheduler(1_000, () => now);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 1), send);
    await scheduler.offer(at(1, 1), send);
    now += 100;
    await scheduler.offer(at(0, 4, '{"w":1}'), send);
    await scheduler.offer(at(1, 3), send);
    await scheduler.offer(at(0, 6, '{"w":2}'), send);
    await scheduler.flush(send);
    expect(requests).toEqual([['0@1'], ['1@1'], ['0@6', '1@3']]);
    expect(send).toHaveBeenLastCalledWith([at(0, 6, '{"w":2}'), at(1, 3)]);
    expect(scheduler.pending).toBe(0);
    await scheduler.flush(send);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('flushes only the partitions that are due when asked for due ones', async () => {
    let now = 0;
    const scheduler = new CommitScheduler(1_000, () => now);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 1), send);
    now = 600;
    await scheduler.offer(at(1, 1), send);
    await scheduler.offer(at(0, 5), send);
    now = 700;
    await scheduler.offer(at(1, 4), send);
    await scheduler.flush(send, { dueOnly: true });
    expect(requests).toEqual([['0@1'], ['1@1']]);
    now = 1_000; // partition 0 is due, partition 1 (committed at 600) is not
    await scheduler.flush(send, { dueOnly: true });
    expect(requests).toEqual([['0@1'], ['1@1'], ['0@5']]);
    expect(scheduler.pending).toBe(1);
  });

  it('commits at once when forced (stopping), whatever the interval', async () => {
    const scheduler = new CommitScheduler(60_000, () => 0);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 1), send);
    await scheduler.offer(at(0, 2), send, true);
    expect(requests).toEqual([['0@1'], ['0@2']]);
  });

  it('drops deferred positions after a rebalance instead of committing them late', async () => {
    let now = 0;
    const scheduler = new CommitScheduler(1_000, () => now);
    const { requests, send } = recorder();
    await scheduler.offer(at(0, 1), send);
    now += 10;
    await scheduler.offer(at(0, 8), send);
    scheduler.reset();
    await scheduler.flush(send);
    expect(requests).toEqual([['0@1']]);
    // The first batch of the new assignment commits at once.
    await scheduler.offer(at(0, 9), send);
    expect(requests).toEqual([['0@1'], ['0@9']]);
  });

  it('sends commits one after the other, so a slow commit is never overtaken by a later one', async () => {
    let now = 0;
    const scheduler = new CommitScheduler(1_000, () => now);
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const slow = (targets: readonly CommitTarget[]) =>
      new Promise<void>((resolve) => {
        order.push(`start ${targets.map((t) => t.offset).join(',')}`);
        releaseFirst = () => {
          order.push(`end ${targets.map((t) => t.offset).join(',')}`);
          resolve();
        };
      });
    const fast = async (targets: readonly CommitTarget[]) => {
      order.push(`commit ${targets.map((t) => t.offset).join(',')}`);
    };
    const first = scheduler.offer(at(0, 1), slow);
    now += 10;
    await scheduler.offer(at(0, 2), fast); // deferred
    const flushed = scheduler.flush(fast);
    await Promise.resolve();
    expect(order).toEqual(['start 1']);
    releaseFirst();
    await Promise.all([first, flushed]);
    expect(order).toEqual(['start 1', 'end 1', 'commit 2']);
  });

  it('drops a commit still queued when the assignment changes', async () => {
    let now = 0;
    const scheduler = new CommitScheduler(1_000, () => now);
    const { requests, send } = recorder();
    let release: () => void = () => undefined;
    const first = scheduler.offer(at(0, 1), () => new Promise<void>((resolve) => (release = resolve)));
    now = 10;
    await scheduler.offer(at(0, 2), send);
    const flushed = scheduler.flush(send);
    scheduler.reset(); // the rebalance starts while the first commit is in flight
    release();
    await Promise.all([first, flushed]);
    expect(requests).toEqual([]);
  });

  it('rejects the caller of a failed commit but keeps later commits going', async () => {
    const scheduler = new CommitScheduler(0, () => 0);
    const { requests, send } = recorder();
    await expect(
      scheduler.offer(at(0, 1), async () => {
        throw new Error('REBALANCE_IN_PROGRESS');
      }),
    ).rejects.toThrow('REBALANCE_IN_PROGRESS');
    await scheduler.offer(at(0, 2), send);
    expect(requests).toEqual([['0@2']]);
  });
});
