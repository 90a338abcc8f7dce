import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest folder at or above `from` whose package.json is Pulse's. */
export function findRepoRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'pulse'
    ) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no Pulse repository at or above ${from}`);
  }
}
