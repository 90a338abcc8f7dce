import { ReplayPosition } from './replay-state';

describe('ReplayPosition', () => {
  it('treats offsets up to the live edge of the last commit as a replay', () => {
    const position = new ReplayPosition('10', JSON.stringify({ liveEdge: '14' }));
    expect(position.isReplay('14')).toBe(true);
    expect(position.isReplay('15')).toBe(false);
    expect(position.isLive()).toBe(false);
    position.noteHandled('14');
    expect(position.isLive()).toBe(true);
  });

  it('is live at once without metadata or when the commit is past the edge', () => {
    expect(new ReplayPosition('-1', null).isLive()).toBe(true);
    expect(new ReplayPosition('15', JSON.stringify({ liveEdge: '14' })).isLive()).toBe(true);
    expect(new ReplayPosition('0', 'not json').isReplay('0')).toBe(false);
  });

  it('commits the first offset the state needs and never moves the live edge back', () => {
    const position = new ReplayPosition('10', JSON.stringify({ liveEdge: '14' }));
    expect(position.commitAfter('12', 3n)).toEqual({
      offset: '3',
      metadata: JSON.stringify({ liveEdge: '14' }),
    });
    expect(position.commitAfter('20', null)).toEqual({
      offset: '21',
      metadata: JSON.stringify({ liveEdge: '20' }),
    });
    expect(position.commitAfter('21', 30n)).toEqual({
      offset: '22',
      metadata: JSON.stringify({ liveEdge: '21' }),
    });
  });
});
