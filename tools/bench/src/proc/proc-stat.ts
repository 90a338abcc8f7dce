/** CPU times of one process from `/proc/<pid>/stat`, in clock ticks. */
export interface ProcCpu {
  /** User + system time of the process itself. */
  ticks: number;
  /** User + system time of its children that have exited and been waited for. */
  childTicks: number;
}

/** Memory of one process from `/proc/<pid>/status`, in bytes. */
export interface ProcMemory {
  rss: number;
  /** Peak resident set size over the process's lifetime ("high water mark"). */
  peakRss: number;
}

/**
 * Parses `/proc/<pid>/stat` (proc(5)). The command name is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcCpu {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no ")"');
  // After ") " comes field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (number: number): number => {
    const value = Number(fields[number - 3]);
    if (!Number.isFinite(value))
      throw new Error(`/proc/<pid>/stat field ${number} is missing or not a number`);
    return value;
  };
  return { ticks: field(14) + field(15), childTicks: field(16) + field(17) };
}

/** Parses VmRSS and VmHWM from `/proc/<pid>/status` (kB in the file). */
export function parseProcStatus(text: string): ProcMemory {
  const kib = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!match) throw new Error(`/proc/<pid>/status has no ${name} line`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

/** Busy and total CPU time of the whole machine from the first line of `/proc/stat`, in ticks. */
export interface MachineCpu {
  busyTicks: number;
  totalTicks: number;
}

/** Parses the aggregate `cpu` line of `/proc/stat`: busy = everything but idle and iowait. */
export function parseMachineCpu(text: string): MachineCpu {
  const line = text.split('\n').find((candidate) => candidate.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate "cpu" line');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number) as [number, number, number, number, number, number, number, number];
  const busyTicks = user + nice + system + irq + softirq + (steal ?? 0);
  return { busyTicks, totalTicks: busyTicks + idle + iowait };
}
