import { parseMachineCpu, parseProcStat, parseProcStatus } from './proc-stat';

// A real line of a Node process whose command name contains a space and a parenthesis.
const STAT =
  '4242 (node (bench) x) S 1 4242 4242 0 -1 4194304 1834 0 0 0 1520 310 25 7 20 0 11 0 9876 1130000000 12000 ' +
  '18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0';

describe('parseProcStat', () => {
  it('adds user and system time of the process and of its waited-for children', () => {
    expect(parseProcStat(STAT)).toEqual({ ticks: 1520 + 310, childTicks: 25 + 7 });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('no parenthesis here')).toThrow(/no "\)"/);
    expect(() => parseProcStat('1 (x) S 1 2')).toThrow(/field 14/);
  });
});

describe('parseProcStatus', () => {
  it('reads the resident set size and its peak in bytes', () => {
    const status =
      'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  150000 kB\nVmRSS:\t  120000 kB\nThreads:\t11\n';
    expect(parseProcStatus(status)).toEqual({ rss: 120000 * 1024, peakRss: 150000 * 1024 });
  });

  it('names the line it could not find (a zombie has no memory lines)', () => {
    expect(() => parseProcStatus('Name:\tnode\nState:\tZ (zombie)\n')).toThrow(/VmRSS/);
  });
});

describe('parseMachineCpu', () => {
  it('counts everything but idle and iowait as busy', () => {
    const stat = 'cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 50 2 25 500 10 1 1 0 0 0\nintr 1\n';
    expect(parseMachineCpu(stat)).toEqual({
      busyTicks: 100 + 5 + 50 + 3 + 2 + 1,
      totalTicks: 161 + 1000 + 20,
    });
  });

  it('refuses text without the aggregate line', () => {
    expect(() => parseMachineCpu('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });
});
