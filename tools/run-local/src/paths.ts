import { join } from 'node:path';

/** Where the local run keeps its state: the local stack's folder (deploy/local), by default `.pulse-stack`. */
export interface RunPaths {
  repoRoot: string;
  stackDir: string;
  logDir: string;
  credentialsDir: string;
  groundTruthFile: string;
  pidFile: string;
}

export function runPaths(repoRoot: string, env: NodeJS.ProcessEnv = process.env): RunPaths {
  const stackDir = env.PULSE_STACK_DIR ?? join(repoRoot, '.pulse-stack');
  return {
    repoRoot,
    stackDir,
    logDir: join(stackDir, 'logs'),
    credentialsDir: join(stackDir, 'credentials'),
    groundTruthFile: join(stackDir, 'run', 'ground-truth.json'),
    pidFile: join(stackDir, 'run', 'run-local.json'),
  };
}
