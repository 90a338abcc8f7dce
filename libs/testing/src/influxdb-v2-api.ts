import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from '@pulse/fleet';
import { stack } from './stack';

/**
 * Starts the InfluxDB that serves the 2.x write API (/api/v2/write), for tests of
 * PULSE_INFLUX_API=v2: InfluxDB 1.8 from deploy/local/influxdb18.sh (Debian's 1.6.7 has no v2
 * API). Idempotent; on a machine that never built it, it builds it first (about a minute; `npm
 * test` does that before the suites run). PULSE_STACK_EXTERNAL=1: someone else provides it at
 * PULSE_INFLUXDB18_URL.
 */
export async function startInfluxV2Api(): Promise<string> {
  if (process.env.PULSE_STACK_EXTERNAL === '1') return stack.influxV2ApiUrl;
  const script = join(findRepoRoot(__dirname), 'deploy', 'local', 'influxdb18.sh');
  try {
    await promisify(execFile)('bash', [script, 'up'], {
      cwd: findRepoRoot(__dirname),
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`\`bash ${script} up\` failed:\n${stderr ?? String(error)}`);
  }
  return stack.influxV2ApiUrl;
}
