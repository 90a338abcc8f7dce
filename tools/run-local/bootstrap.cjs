'use strict';
// `npm start` on a fresh clone: installs the node modules if they are missing (npm ci, from the
// lockfile), builds, then runs the main command (tools/run-local) on the repository's Node 24,
// passing on the arguments (`npm start -- --duration 90s`). Plain CommonJS without dependencies,
// so it runs on whatever Node started it, before anything is installed.
const { spawn, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(what, command, args) {
  process.stderr.write(`[pulse] ${what}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`[pulse] failed: ${command} ${args.join(' ')}\n`);
    process.exit(result.status ?? 1);
  }
}

const node24 = path.join(root, 'node_modules', '.bin', 'node');
if (!existsSync(node24) || !existsSync(path.join(root, 'node_modules', '.bin', 'swc'))) {
  step('installing the node modules (npm ci)', npm, ['ci']);
}
step('building (npm run build)', npm, ['run', 'build', '--silent']);

const child = spawn(
  node24,
  [path.join(root, 'dist', 'tools', 'run-local', 'src', 'main.js'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// Ctrl-C reaches the main command through the terminal's process group; it decides how to stop.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGHUP', () => child.kill('SIGHUP'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
