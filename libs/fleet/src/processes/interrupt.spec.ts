import { stopOnInterrupt } from './interrupt';

describe('stopOnInterrupt', () => {
  afterEach(() => {
    process.removeAllListeners('SIGUSR2');
  });

  it('aborts on the first interrupt and exits 130 on the second', () => {
    const said: string[] = [];
    const exits: number[] = [];
    let first = 0;
    const stop = stopOnInterrupt({
      signals: ['SIGUSR2'],
      onFirst: () => (first += 1),
      write: (line) => said.push(line),
      exit: (code) => exits.push(code),
    });
    expect(stop.aborted).toBe(false);

    process.emit('SIGUSR2', 'SIGUSR2');
    expect([stop.aborted, first, exits]).toEqual([true, 1, []]);

    process.emit('SIGUSR2', 'SIGUSR2');
    expect([first, exits]).toEqual([1, [130]]);
    expect(said).toEqual(['\nquitting at once: 0 process(es) killed']);
  });
});
