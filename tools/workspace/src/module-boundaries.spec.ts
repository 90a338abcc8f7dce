import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';

interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
}

const root = join(__dirname, '..', '..', '..');
const probeName = `zz-boundary-probe-${process.pid}.ts`;
const PROBE_FILE = /^zz-boundary-probe-(\d+)\.ts$/;

/** Probes a killed earlier run left in the source tree (they would break that project's build). */
function removeLeftoverProbes(dirs: readonly string[]): void {
  for (const dir of dirs) {
    for (const file of readdirSync(join(root, dir))) {
      const owner = PROBE_FILE.exec(file)?.[1];
      if (owner !== undefined && !existsSync(`/proc/${owner}`))
        rmSync(join(root, dir, file), { force: true });
    }
  }
}

/** Probe files placed inside real projects, so the rules judge them as those projects' code. */
const probes = {
  serviceImportsService: {
    dir: 'services/ingestion/src',
    code: "import { AppModule } from '../../enrichment/src/app.module';\nexport const probe = AppModule;\n",
  },
  libImportsService: {
    dir: 'libs/kafka/src',
    code: "import { AppModule } from '../../../services/ingestion/src/app.module';\nexport const probe = AppModule;\n",
  },
  deepImport: {
    dir: 'services/enrichment/src',
    code: "import { ConsumerRunner } from '@pulse/kafka/src/consumer-runner';\nexport const probe = ConsumerRunner;\n",
  },
  floatingPromise: {
    dir: 'libs/config/src',
    code: 'async function work(): Promise<void> {}\nexport function run(): void {\n  work();\n}\n',
  },
  entryPointImport: {
    dir: 'services/reporting/src',
    code: "import { loadConfig } from '@pulse/config';\nexport const probe = loadConfig;\n",
  },
} as const;
type ProbeName = keyof typeof probes;

/**
 * The architecture rules must fail the lint, not merely sit in a config file: each probe is a
 * made-up file inside a real project, linted by the real ESLint CLI (its flat config loads through
 * a dynamic import that Jest's CommonJS runtime cannot perform, hence the child process).
 */
describe('module boundaries', () => {
  const results = new Map<ProbeName, LintMessage[]>();

  beforeAll(async () => {
    // @nx/enforce-module-boundaries reads the cached project graph; build it first.
    await createProjectGraphAsync({ exitOnError: false });
    removeLeftoverProbes([...new Set(Object.values(probes).map((probe) => probe.dir))]);
    const files = Object.entries(probes).map(([name, probe]) => {
      const path = join(root, probe.dir, probeName);
      writeFileSync(path, probe.code);
      return [name as ProbeName, path] as const;
    });
    try {
      const run = spawnSync(
        join(root, 'node_modules/.bin/eslint'),
        ['--format', 'json', ...files.map(([, path]) => path)],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, NX_DAEMON: 'false' },
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      const parsed = JSON.parse(run.stdout) as { filePath: string; messages: LintMessage[] }[];
      for (const [name, path] of files) {
        results.set(name, parsed.find((result) => result.filePath === path)?.messages ?? []);
      }
    } finally {
      for (const [, path] of files) rmSync(path, { force: true });
    }
  });

  const rulesOf = (name: ProbeName): string[] =>
    (results.get(name) ?? []).map((message) => message.ruleId ?? `fatal: ${message.message}`);

  it('forbids a service importing another service', () => {
    expect(rulesOf('serviceImportsService')).toContain('@nx/enforce-module-boundaries');
  });

  it('forbids a library importing a service', () => {
    expect(rulesOf('libImportsService')).toContain('@nx/enforce-module-boundaries');
  });

  it('forbids deep imports into a library', () => {
    expect(rulesOf('deepImport')).toContain('no-restricted-imports');
  });

  it('reports a floating promise as an error', () => {
    const floating = results
      .get('floatingPromise')
      ?.find((m) => m.ruleId === '@typescript-eslint/no-floating-promises');
    expect(floating?.severity).toBe(2);
  });

  it('allows a service to import a library through its entry point', () => {
    expect(results.get('entryPointImport')).toEqual([]);
  });
});
