import { decodeCommitMetadata, encodeCommitMetadata } from '@pulse/contracts';
import type { CommittedPosition } from '@pulse/kafka';
import { planReplay } from './replay-plan';

const FROM = Date.parse('2026-03-01T12:05:00Z');
const MINUTE = 60_000;

function committed(offset: string, frontier?: number): CommittedPosition {
  return {
    offset,
    metadata:
      frontier === undefined ? null : encodeCommitMetadata({ maxEventTime: frontier + MINUTE, frontier }),
  };
}

describe('planReplay', () => {
  const targets = new Map([
    [2, '40'],
    [0, '10'],
    [1, '20'],
    [3, '0'],
  ]);

  it("moves aggregation's partitions back with the replay frontier, keeping those not yet final there", () => {
    const plan = planReplay({
      fromMs: FROM,
      targets,
      current: new Map([
        [0, committed('90', FROM + 5 * MINUTE)], // written final past --from: recompute from there
        [1, committed('25', FROM - 2 * MINUTE)], // lagging: its windows after 12:03 are not final
        [2, committed('70')], // offsets reset by another tool: no metadata
        [3, committed('-1')], // never committed
      ]),
      aggregationInput: true,
    });

    expect(plan.map((replay) => [replay.partition, replay.action])).toEqual([
      [0, 'move'],
      [1, 'keep'],
      [2, 'move'],
      [3, 'move'],
    ]);
    expect(plan[1]).toEqual({ partition: 1, action: 'keep', at: '25', frontier: FROM - 2 * MINUTE });
    for (const replay of plan) {
      if (replay.action !== 'move') continue;
      expect(replay.to.offset).toBe(targets.get(replay.partition));
      expect(decodeCommitMetadata(replay.to.metadata)).toEqual({
        maxEventTime: Number.NEGATIVE_INFINITY,
        frontier: FROM,
      });
    }
    expect(plan.map((replay) => (replay.action === 'move' ? replay.from : replay.at))).toEqual([
      '90',
      '25',
      '70',
      '-1',
    ]);
  });

  it('keeps a partition none of whose windows is final yet', () => {
    const [replay] = planReplay({
      fromMs: FROM,
      targets: new Map([[0, '10']]),
      current: new Map([
        [0, { offset: '5', metadata: encodeCommitMetadata({ maxEventTime: FROM, frontier: -Infinity }) }],
      ]),
      aggregationInput: true,
    });
    expect(replay).toEqual({ partition: 0, action: 'keep', at: '5', frontier: Number.NEGATIVE_INFINITY });
  });

  it("moves every partition of another service's input, with no metadata", () => {
    const plan = planReplay({
      fromMs: FROM,
      targets,
      current: new Map([[1, committed('25', FROM - 2 * MINUTE)]]),
      aggregationInput: false,
    });
    expect(plan).toEqual([
      { partition: 0, action: 'move', from: '-1', to: { offset: '10', metadata: null } },
      { partition: 1, action: 'move', from: '25', to: { offset: '20', metadata: null } },
      { partition: 2, action: 'move', from: '-1', to: { offset: '40', metadata: null } },
      { partition: 3, action: 'move', from: '-1', to: { offset: '0', metadata: null } },
    ]);
  });
});
