import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Fleet, GLIBC_TUNABLES, serviceEntryPoint, type ServiceName } from './fleet';
import { freePort } from './free-port';
import { PidRegistry } from './pid-registry';

/** A stand-in service: serves /health/ready on PULSE_HTTP_PORT, logs its env, exits on SIGTERM. */
const FAKE_SERVICE = `
const http = require('node:http');
console.log(\`env \${process.env.PULSE_TOPIC_PREFIX} \${process.env.PULSE_CONSUMER_GROUP ?? 'none'}\`);
console.log(\`node options: \${process.env.NODE_OPTIONS}\`);
console.log(\`glibc tunables: \${process.env.GLIBC_TUNABLES}\`);
if (process.env.FAKE_CRASH === '1') { console.error('boom: cannot start'); process.exit(3); }
const server = http.createServer((req, res) => { res.writeHead(req.url === '/health/ready' ? 200 : 404); res.end(); });
server.listen(Number(process.env.PULSE_HTTP_PORT), '127.0.0.1');
process.on('SIGTERM', () => { console.log('draining'); server.close(() => process.exit(0)); });
`;

describe('Fleet', () => {
  let root: string;
  const names: ServiceName[] = ['ingestion', 'enrichment'];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fleet-'));
    for (const name of names) {
      const entry = serviceEntryPoint(root, name);
      mkdirSync(dirname(entry), { recursive: true });
      writeFileSync(entry, FAKE_SERVICE);
    }
  });
  afterEach(() => {
    delete process.env.PULSE_CONSUMER_GROUP;
    rmSync(root, { recursive: true, force: true });
  });

  it('starts each service as its own process with its env, waits until ready, and stops them by PID', async () => {
    const registry = new PidRegistry(join(root, 'run', 'fleet.json'));
    // Exported by someone for one service: must not leak into the others.
    process.env.PULSE_CONSUMER_GROUP = 'exported-group';
    const ports = { ingestion: await freePort(), enrichment: await freePort() };
    const fleet = await Fleet.start({
      repoRoot: root,
      logDir: join(root, 'logs'),
      env: { PULSE_TOPIC_PREFIX: 'e2e.' },
      only: names,
      services: {
        ingestion: { port: ports.ingestion, env: { PULSE_CONSUMER_GROUP: 'g-ingestion' } },
        enrichment: {
          port: ports.enrichment,
          env: { NODE_OPTIONS: '--max-semi-space-size=32', GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' },
        },
      },
      pidRegistry: registry,
      readyTimeoutMs: 10_000,
    });
    expect(fleet.url('ingestion')).toBe(`http://127.0.0.1:${ports.ingestion}`);
    expect((await fetch(`${fleet.url('enrichment')}/health/ready`)).status).toBe(200);
    const pids = fleet.members.map((member) => member.process.pid);
    expect(new Set(pids).size).toBe(2);
    expect(JSON.parse(readFileSync(join(root, 'run', 'fleet.json'), 'utf8')).processes).toHaveLength(2);

    await fleet.stop();
    expect(fleet.members.every((member) => !member.process.running)).toBe(true);
    expect(fleet.members.map((member) => member.process.exitStatus?.code)).toEqual([0, 0]);
    const log = readFileSync(join(root, 'logs', 'ingestion.log'), 'utf8');
    expect(log).toContain('env e2e. g-ingestion');
    expect(log).toContain('draining');
    expect(readFileSync(join(root, 'logs', 'enrichment.log'), 'utf8')).toContain('env e2e. none');
    // The chart's young generation and the image's allocator settings, unless the environment
    // already chose its own.
    expect(log).toMatch(/^node options: (.* )?--max-semi-space-size=8$/m);
    expect(log).toContain(`glibc tunables: ${GLIBC_TUNABLES}\n`);
    const enrichmentLog = readFileSync(join(root, 'logs', 'enrichment.log'), 'utf8');
    expect(enrichmentLog).toContain('node options: --max-semi-space-size=32\n');
    expect(enrichmentLog).toContain('glibc tunables: glibc.malloc.arena_max=4\n');
    expect(() => readFileSync(join(root, 'run', 'fleet.json'))).toThrow();
  });

  it('fails fast with the log of a service that exits before it is ready, and stops the others', async () => {
    const start = Date.now();
    const attempt = Fleet.start({
      repoRoot: root,
      logDir: join(root, 'logs'),
      env: {},
      only: names,
      services: {
        ingestion: { port: await freePort(), env: { FAKE_CRASH: '1' } },
        enrichment: { port: await freePort() },
      },
      readyTimeoutMs: 20_000,
    });
    await expect(attempt).rejects.toThrow(
      /ingestion exited before it was ready \(code 3[\s\S]*boom: cannot start/,
    );
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(readFileSync(join(root, 'logs', 'enrichment.log'), 'utf8')).toContain('draining');
  });

  it('refuses to give two services one port, before starting either', async () => {
    const port = await freePort();
    await expect(
      Fleet.start({
        repoRoot: root,
        logDir: join(root, 'logs'),
        env: {},
        only: names,
        services: { ingestion: { port }, enrichment: { port } },
      }),
    ).rejects.toThrow(`services given the same port: ingestion and enrichment on ${port}`);
    expect(() => readFileSync(join(root, 'logs', 'ingestion.log'))).toThrow();
  });

  it('refuses to start what is not built', async () => {
    await expect(
      Fleet.start({ repoRoot: root, logDir: join(root, 'logs'), env: {}, only: ['reporting'] }),
    ).rejects.toThrow(/not built: .*reporting.*npm run build/);
  });
});
