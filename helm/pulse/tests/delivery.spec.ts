import Ajv from 'ajv';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT, SERVICES, componentOf, ofKind, render, type K8sObject } from './render';

/**
 * The delivery files agree with each other: Dockerfile targets ↔ skaffold artifacts ↔ chart
 * values (ports, users, image names), and skaffold's Helm values render a valid release.
 */

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

function dockerfileStages(): Stage[] {
  const text = readFileSync(join(REPO_ROOT, 'deploy/docker/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      stages.push({ name: from[2] ?? '', from: from[1] ?? '', lines: [] });
      continue;
    }
    stages[stages.length - 1]?.lines.push(line);
  }
  return stages;
}

/** Instruction values of a stage and its ancestors (FROM <stage>), nearest last. */
function instructions(stages: Stage[], name: string, instruction: string): string[] {
  const stage = stages.find((s) => s.name === name);
  if (!stage) return [];
  const inherited = stages.some((s) => s.name === stage.from)
    ? instructions(stages, stage.from, instruction)
    : [];
  const own = stage.lines
    .filter((l) => l.toUpperCase().startsWith(`${instruction} `))
    .map((l) => l.slice(instruction.length + 1).trim());
  return [...inherited, ...own];
}

function jsonArray(value: string | undefined): string[] {
  const parsed: unknown = JSON.parse(value ?? 'null');
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
    throw new Error(`not exec form: ${value}`);
  return parsed;
}

interface SkaffoldConfig {
  apiVersion: string;
  build: { artifacts: { image: string; context: string; docker: { dockerfile: string; target: string } }[] };
  deploy: {
    helm: { releases: { name: string; chartPath: string; setValueTemplates: Record<string, string> }[] };
  };
  profiles: {
    name: string;
    patches: { op: string; path: string; value: Record<string, string | number> | string[] }[];
  }[];
}

const skaffold = (): SkaffoldConfig =>
  parse(readFileSync(join(REPO_ROOT, 'skaffold.yaml'), 'utf8')) as SkaffoldConfig;
const chartValues = (): Record<string, { port: number }> & {
  defaults: { podSecurityContext: { runAsUser: number; runAsGroup: number } };
} => parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as never;

describe('deploy/docker/Dockerfile', () => {
  const stages = dockerfileStages();

  it.each([...SERVICES])(
    'has a %s target: node 24 runtime, its entry point, its chart port, non-root, tini',
    (service) => {
      const cmd = jsonArray(instructions(stages, service, 'CMD').at(-1));
      expect(cmd).toEqual(['node', `dist/services/${service}/src/main.js`]);
      expect(instructions(stages, service, 'EXPOSE').at(-1)).toBe(String(chartValues()[service]?.port));
      expect(jsonArray(instructions(stages, service, 'ENTRYPOINT').at(-1))).toEqual(['/usr/bin/tini', '--']);
      const { runAsUser, runAsGroup } = chartValues().defaults.podSecurityContext;
      expect(instructions(stages, service, 'USER').at(-1)).toBe(`${runAsUser}:${runAsGroup}`);
      expect(instructions(stages, service, 'ENV').join(' ')).toContain('NODE_ENV=production');
      const copies = instructions(stages, service, 'COPY').join('\n');
      // the target carries its own service only (plus the shared libraries)
      const servicesCopied = [...copies.matchAll(/\/app\/dist\/services\/([a-z-]+)/g)].map((m) => m[1]);
      expect(servicesCopied).toEqual([service]);
      expect(copies).toContain('/app/dist/libs');
    },
  );

  it('has a cli target whose entrypoint is the operator CLI the topic hook calls', () => {
    expect(jsonArray(instructions(stages, 'cli', 'ENTRYPOINT').at(-1))).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      'dist/tools/cli/src/main.js',
    ]);
    const [job] = ofKind<IJob & K8sObject>(render(), 'Job');
    expect(job?.spec?.template.spec?.containers[0]?.args).toEqual(['topics', 'ensure']);
  });

  it('ships the patched kafkajs: tools/patches applied in the build, copied into the production dependencies', () => {
    const build = stages.find((s) => s.name === 'build')?.lines ?? [];
    const copyPatches = build.findIndex((l) => /^COPY tools\/patches /.test(l));
    // npm ci with install scripts (the postinstall applies the patches), after the patches are there
    const install = build.findIndex((l) => /^RUN .*npm ci(?!\S)/.test(l) && !l.includes('--ignore-scripts'));
    expect(copyPatches).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(copyPatches);
    expect(instructions(stages, 'prod-deps', 'COPY')).toContain(
      '--from=build /app/node_modules/kafkajs ./node_modules/kafkajs',
    );
    const rootPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(rootPackage.scripts['postinstall']).toBe('patch-package --patch-dir tools/patches');
  });

  it('installs production dependencies only in the runtime, and runs the build with npm', () => {
    const runtimeCopies = instructions(stages, 'runtime', 'COPY').join('\n');
    expect(runtimeCopies).toContain('--from=prod-deps');
    expect(runtimeCopies).not.toMatch(/--from=build\S* \/app\/node_modules/);
    expect(instructions(stages, 'prod-deps', 'RUN').join(' ')).toContain('npm ci --omit=dev');
    expect(instructions(stages, 'build', 'RUN').join(' ')).toMatch(
      /npm ci[\s\S]*npm run build|npm run build/,
    );
    expect(stages.filter((s) => s.from.includes('NODE_IMAGE')).length).toBeGreaterThanOrEqual(3);
    const nodeImage = readFileSync(join(REPO_ROOT, 'deploy/docker/Dockerfile'), 'utf8').match(
      /ARG NODE_IMAGE=(\S+)/,
    );
    expect(nodeImage?.[1]).toMatch(/^node:24[-.]/);
  });

  it('is paired with a .dockerignore that keeps node_modules, git and local state out of the context', () => {
    const ignore = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', 'dist', '.git', '.pulse-stack', '.env'])
      expect(ignore).toContain(entry);
  });
});

describe('skaffold.yaml', () => {
  it('builds one artifact per service and the cli, each from its Dockerfile target', () => {
    const config = skaffold();
    expect(config.apiVersion).toMatch(/^skaffold\/v4beta\d+$/);
    const targets = new Set(dockerfileStages().map((s) => s.name));
    const artifacts = config.build.artifacts;
    expect(artifacts.map((a) => a.image).sort()).toEqual(
      [...SERVICES, 'cli'].map((s) => `pulse-${s}`).sort(),
    );
    for (const artifact of artifacts) {
      expect(artifact.docker.dockerfile).toBe('deploy/docker/Dockerfile');
      expect(targets).toContain(artifact.docker.target);
      expect(artifact.image).toBe(`pulse-${artifact.docker.target}`);
    }
  });

  it('is valid against skaffold’s own JSON schema for its apiVersion (from the skaffold Go module)', () => {
    const path = execFileSync('bash', [join(REPO_ROOT, 'tools/kube/skaffold-schema.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    // Not strict: the schema carries editor keywords (x-intellij-html-description, preferredOrder).
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(path, 'utf8')),
    );
    const config = skaffold();
    validate(config);
    expect(validate.errors ?? []).toEqual([]);
    // Unknown fields are refused (every object of the schema is closed), so a typo would fail here.
    const typo = structuredClone(config) as SkaffoldConfig & { build: { local: Record<string, unknown> } };
    typo.build.local['concurency'] = 1;
    expect(validate(typo)).toBe(false);
  });

  /** skaffold's templates with made-up build results, as --set pairs for helm. */
  function imageSets(config: SkaffoldConfig): Record<string, string> {
    const release = config.deploy.helm.releases[0];
    if (!release) throw new Error('no helm release in skaffold.yaml');
    expect(release.chartPath).toBe('helm/pulse');
    const sets: Record<string, string> = {};
    for (const [key, template] of Object.entries(release.setValueTemplates)) {
      sets[key] = template
        .replace(/\{\{\.IMAGE_REPO_pulse_(\w+)\}\}/g, 'skaffold.local/pulse-$1')
        .replace(/\{\{\.IMAGE_TAG_pulse_(\w+)\}\}/g, 'dev-$1')
        .replace(/\{\{\.IMAGE_DIGEST_pulse_\w+\}\}/g, `sha256:${'0'.repeat(64)}`);
      expect(sets[key]).not.toContain('{{');
    }
    return sets;
  }

  it.each([
    ['no profile', undefined],
    ['dev', 'dev'],
    ['production', 'production'],
  ])('deploys the images it built (%s)', (_label, profileName) => {
    const config = skaffold();
    const setString = imageSets(config);
    let valuesFiles: string[] = [];
    const profile = config.profiles.find((p) => p.name === profileName);
    if (profileName) expect(profile).toBeDefined();
    for (const patch of profile?.patches ?? []) {
      if (patch.path.endsWith('/setValues')) {
        for (const [key, value] of Object.entries(patch.value)) setString[key] = String(value);
      } else if (patch.path.endsWith('/valuesFiles')) {
        valuesFiles = (patch.value as string[]).map((file) => file.replace(/^helm\/pulse\//, ''));
      } else throw new Error(`unexpected patch ${patch.path}`);
    }
    // dev's integers and booleans must keep their types for the schema: pass them as --set
    const set: Record<string, string> = {};
    for (const [key, value] of Object.entries(setString)) {
      if (/^(\d+|true|false)$/.test(value) && !key.endsWith('.tag')) {
        set[key] = value;
        delete setString[key];
      }
    }
    const objects = render({ valuesFiles, set, setString });
    for (const service of SERVICES) {
      const deployment = ofKind<IDeployment & K8sObject>(objects, 'Deployment').find(
        (d) => componentOf(d) === service,
      );
      expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe(
        `skaffold.local/pulse-${service}:dev-${service}@sha256:${'0'.repeat(64)}`,
      );
    }
    const [job] = ofKind<IJob & K8sObject>(objects, 'Job');
    expect(job?.spec?.template.spec?.containers[0]?.image).toBe(
      `skaffold.local/pulse-cli:dev-cli@sha256:${'0'.repeat(64)}`,
    );
    // `helm test`'s pod runs the CLI image too: the one just built, not the chart's default.
    const testPods = ofKind<K8sObject & { spec: { containers: { image: string }[] } }>(objects, 'Pod');
    expect(testPods.map((p) => p.spec.containers[0]?.image)).toEqual([
      `skaffold.local/pulse-cli:dev-cli@sha256:${'0'.repeat(64)}`,
    ]);
    const deployments = ofKind<IDeployment & K8sObject>(objects, 'Deployment');
    const configMap = ofKind<K8sObject & { data: Record<string, string> }>(objects, 'ConfigMap').find((c) =>
      c.metadata.name.endsWith('-config'),
    );
    if (profileName === 'dev') {
      expect(deployments.map((d) => d.spec?.replicas)).toEqual(SERVICES.map(() => 1));
      expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
      expect(configMap?.data['PULSE_LOG_LEVEL']).toBe('debug');
    }
    if (profileName === 'production') {
      expect(deployments.every((d) => d.spec?.replicas === undefined)).toBe(true);
      expect(ofKind(objects, 'ScaledObject').length).toBeGreaterThan(0);
    }
  });
});

describe('service sources', () => {
  // The image entry points must exist in the source tree (swc keeps the paths: src/main.ts → dist/…/src/main.js).
  it.each([...SERVICES.map((s) => `services/${s}/src/main.ts`), 'tools/cli/src/main.ts'])(
    '%s exists',
    (file) => {
      expect(existsSync(join(REPO_ROOT, file))).toBe(true);
    },
  );
});
