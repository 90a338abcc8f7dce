import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const processSchema = z.object({
  name: z.string(),
  pid: z.number().int().positive(),
  marker: z.string().min(1),
});
const recordSchema = z.object({
  /** The launcher that wrote the file; absent in files of older launchers. */
  owner: processSchema.optional(),
  processes: z.array(processSchema),
});
export type PidRecord = z.infer<typeof processSchema>;

/** Another launcher using the same state folder is still running: its processes are not ours. */
export class LauncherAlreadyRunningError extends Error {
  constructor(readonly owner: PidRecord) {
    super(
      `another ${owner.name} is running (pid ${owner.pid}) with the same state folder and ports; ` +
        `stop it first (Ctrl-C in its terminal, or \`kill ${owner.pid}\`), then start again`,
    );
    this.name = 'LauncherAlreadyRunningError';
  }
}

/**
 * A file listing the processes one launcher started, so that a launcher that was killed hard
 * (no chance to stop its children) can stop them on its next start. A PID is only signalled
 * while its command line still contains the marker we recorded: a reused PID is left alone.
 */
export class PidRegistry {
  private readonly records = new Map<number, PidRecord>();
  private owner: PidRecord | undefined;

  constructor(readonly file: string) {}

  /**
   * Makes `owner` (the launcher calling this) the file's owner, after stopping what an earlier
   * launcher that died without cleaning up left running. Refuses, stopping nothing, while the
   * launcher that wrote the file is alive: a second run would otherwise stop the first one's
   * services under it. Returns what it stopped.
   */
  async claim(owner: PidRecord, options: { timeoutMs?: number } = {}): Promise<PidRecord[]> {
    const previous = this.readPrevious();
    if (previous?.owner && previous.owner.pid !== owner.pid && isAlive(previous.owner)) {
      throw new LauncherAlreadyRunningError(previous.owner);
    }
    const stopped = await stopLeftovers(previous?.processes ?? [], options);
    this.owner = owner;
    this.save();
    return stopped;
  }

  /** Gives the file up at the end of a run; the processes still recorded stay recorded. */
  release(): void {
    // Not ours (the claim was refused): the file belongs to the launcher that is running.
    if (this.owner === undefined) return;
    this.owner = undefined;
    this.save();
  }

  add(record: PidRecord): void {
    this.records.set(record.pid, record);
    this.save();
  }

  remove(pid: number): void {
    this.records.delete(pid);
    this.save();
  }

  private readPrevious(): z.infer<typeof recordSchema> | undefined {
    try {
      return recordSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch {
      return undefined;
    }
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    if (this.records.size === 0 && this.owner === undefined) {
      rmSync(this.file, { force: true });
      return;
    }
    const content = { owner: this.owner, processes: [...this.records.values()] };
    writeFileSync(this.file, JSON.stringify(content, null, 2));
  }
}

/** Stops those of `recorded` still running (SIGTERM, then SIGKILL after `timeoutMs`); returns them. */
async function stopLeftovers(
  recorded: readonly PidRecord[],
  { timeoutMs = 15_000 }: { timeoutMs?: number } = {},
): Promise<PidRecord[]> {
  const leftovers = recorded.filter((record) => isAlive(record));
  for (const record of leftovers) sendSignal(record.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (leftovers.some((record) => isAlive(record)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const record of leftovers.filter(isAlive)) sendSignal(record.pid, 'SIGKILL');
  return leftovers;
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
