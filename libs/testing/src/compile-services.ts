import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@pulse/fleet';
import { uniqueName } from './stack';

export interface CompiledWorkspace {
  /** Where the JavaScript went (inside the repo, so node_modules resolve). */
  readonly dir: string;
  /** The compiled entry point of a service, e.g. `entryOf('aggregation')`. */
  entryOf(service: string): string;
  cleanup(): void;
}

/**
 * Compiles libs/ and the given services with swc, as `npm run build` does, into a fresh folder
 * under tmp/, so tests can run services as separate OS processes (and kill them) without
 * touching the shared dist/.
 */
export async function compileServices(services: readonly string[]): Promise<CompiledWorkspace> {
  const root = findRepoRoot(__dirname);
  const dir = join(root, 'tmp', uniqueName('build'));
  const swc = join(root, 'node_modules', '.bin', 'swc');
  const args = [
    'libs',
    ...services.map((service) => `services/${service}`),
    '-d',
    dir,
    '--config-file',
    '.swcrc',
    '--extensions',
    '.ts',
    '--ignore',
    '**/*.spec.ts,**/*.integration-spec.ts,**/*.e2e-spec.ts,**/jest*.config.ts,**/*.d.ts',
  ];
  const output: string[] = [];
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(swc, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0) throw new Error(`swc failed (exit ${code}): ${output.join('').slice(-2000)}`);
  return {
    dir,
    entryOf: (service) => join(dir, 'services', service, 'src', 'main.js'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
