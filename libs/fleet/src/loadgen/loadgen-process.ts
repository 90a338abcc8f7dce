import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseGroundTruth, type GroundTruth } from '../ground-truth/ground-truth';
import { ManagedProcess } from '../processes/managed-process';

export interface LoadgenRun {
  scenario: string;
  rate: number;
  /** 0 = until stopped. */
  durationMs: number;
  seed: number;
  target: string;
  apiKey: string;
  groundTruthFile: string;
  logFile: string;
  /** Extra flags, e.g. --malformed-via both --kafka-brokers … */
  extraArgs?: readonly string[];
}

/**
 * The load generator (tools/loadgen) as its own process, as a user would run it. Its progress
 * goes to its log; its result is the ground-truth file it writes when it finishes or is stopped.
 */
export class LoadgenProcess {
  private constructor(
    readonly process: ManagedProcess,
    private readonly run: LoadgenRun,
  ) {}

  static start(repoRoot: string, run: LoadgenRun): LoadgenProcess {
    rmSync(run.groundTruthFile, { force: true });
    const args = [
      join(repoRoot, 'dist', 'tools', 'loadgen', 'src', 'main.js'),
      '--scenario',
      run.scenario,
      '--rate',
      String(run.rate),
      '--duration',
      run.durationMs === 0 ? '0' : `${run.durationMs}ms`,
      '--seed',
      String(run.seed),
      '--target',
      run.target,
      '--ground-truth',
      run.groundTruthFile,
      '--progress',
      'lines',
      ...(run.extraArgs ?? []),
    ];
    const child = ManagedProcess.start({
      name: 'loadgen',
      command: process.execPath,
      args,
      cwd: repoRoot,
      // The key goes through the environment: command lines are visible to every local user.
      env: { ...process.env, PULSE_LOADGEN_API_KEY: run.apiKey },
      logFile: run.logFile,
    });
    return new LoadgenProcess(child, run);
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Waits for it to finish on its own and returns the ground truth. */
  async finished(): Promise<GroundTruth> {
    const exit = await this.process.exited;
    if (exit.code !== 0) {
      throw new Error(
        `the load generator exited with code ${exit.code ?? exit.signal}; last lines of ${this.run.logFile}:\n${this.process.logTail()}`,
      );
    }
    return this.groundTruth();
  }

  /** Asks it to stop (it still writes the ground truth for what it sent). */
  async stop(): Promise<GroundTruth | undefined> {
    await this.process.stop({ timeoutMs: 30_000 });
    try {
      return this.groundTruth();
    } catch {
      return undefined;
    }
  }

  private groundTruth(): GroundTruth {
    return parseGroundTruth(readFileSync(this.run.groundTruthFile, 'utf8'));
  }
}
