import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const recordSchema = z.object({
  processes: z.array(
    z.object({ name: z.string(), pid: z.number().int().positive(), marker: z.string().min(1) }),
  ),
});
export type PidRecord = z.infer<typeof recordSchema>['processes'][number];

/**
 * A file listing the processes one launcher started, so that a launcher that was killed hard
 * (no chance to stop its children) can stop them on its next start. A PID is only signalled
 * while its command line still contains the marker we recorded: a reused PID is left alone.
 */
export class PidRegistry {
  private readonly records = new Map<number, PidRecord>();

  constructor(readonly file: string) {}

  add(record: PidRecord): void {
    this.records.set(record.pid, record);
    this.save();
  }

  remove(pid: number): void {
    this.records.delete(pid);
    this.save();
  }

  /** Stops what a previous launcher recorded and did not stop; returns what it stopped. */
  async reapLeftovers({ timeoutMs = 15_000 }: { timeoutMs?: number } = {}): Promise<PidRecord[]> {
    const leftovers = this.readPrevious().filter((record) =>
      commandLineOf(record.pid)?.includes(record.marker),
    );
    for (const record of leftovers) sendSignal(record.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (leftovers.some((record) => isAlive(record)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const record of leftovers.filter(isAlive)) sendSignal(record.pid, 'SIGKILL');
    rmSync(this.file, { force: true });
    return leftovers;
  }

  private readPrevious(): PidRecord[] {
    try {
      return recordSchema.parse(JSON.parse(readFileSync(this.file, 'utf8'))).processes;
    } catch {
      return [];
    }
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    if (this.records.size === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    writeFileSync(this.file, JSON.stringify({ processes: [...this.records.values()] }, null, 2));
  }
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

function isAlive(record: PidRecord): boolean {
  return commandLineOf(record.pid)?.includes(record.marker) ?? false;
}

function sendSignal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}
