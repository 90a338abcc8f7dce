import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GLIBC_TUNABLES, LOCAL_SEMI_SPACE_MIB } from '@pulse/fleet';
import { IMAGE_TARGETS, REPO_ROOT } from './testing/podman';

const dockerfile = () => readFileSync(join(REPO_ROOT, 'deploy/docker/Dockerfile'), 'utf8');

describe('deploy/docker/Dockerfile and tools/images', () => {
  it('the default public base carries the Node version the repository pins (as the local base does)', () => {
    const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const pinned = packageJson.devDependencies['node'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile())?.[1];
    // node:<exact version>-bookworm-slim, optionally pinned by digest
    expect(base).toMatch(
      new RegExp(`^node:${pinned!.replaceAll('.', '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`),
    );
  });

  it('the suite knows every target the Dockerfile builds on the runtime stage', () => {
    const targets = [...dockerfile().matchAll(/^FROM runtime AS ([a-z0-9-]+)$/gm)].map((m) => m[1]);
    expect(targets).toEqual([...IMAGE_TARGETS]);
  });

  it('runs the services with the memory settings local runs and the bench use', () => {
    const runtime = dockerfile().split('FROM ${NODE_IMAGE} AS runtime')[1] ?? '';
    expect(runtime).toContain(`GLIBC_TUNABLES=${GLIBC_TUNABLES}`);
    expect(runtime).toMatch(
      new RegExp(`NODE_OPTIONS="[^"]*--max-semi-space-size=${LOCAL_SEMI_SPACE_MIB}\\b`),
    );
  });
});
