import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** docs/configuration.md is generated from the services' config schemas; it must match them. */
describe('docs/configuration.md', () => {
  const root = join(__dirname, '..', '..', '..');
  const node = process.execPath;

  it('lists exactly the variables the services read', () => {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    expect(build.status).toBe(0);
    const check = spawnSync(node, [join(root, 'tools/workspace/config-docs.cjs'), '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
