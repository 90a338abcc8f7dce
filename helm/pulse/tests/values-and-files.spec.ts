import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART_DIR, REPO_ROOT, chartCopy, componentOf, lint, ofKind, render, type K8sObject } from './render';

type ConfigMap = K8sObject & { data: Record<string, string> };

describe('values.schema.json, enforced by helm lint --strict', () => {
  it('accepts the defaults and every shipped variant', () => {
    expect(lint().ok).toBe(true);
    for (const file of readdirSync(join(CHART_DIR, 'ci'))) {
      const result = lint({ valuesFiles: [join('ci', file)] });
      expect({ file, ...result }).toEqual({ file, ok: true, output: expect.any(String) });
    }
  });

  it.each([
    ['an unknown key (typo)', { set: { 'ingestion.replicaz': 3 } }, "additional properties 'replicaz'"],
    [
      'a writable root filesystem',
      { set: { 'defaults.containerSecurityContext.readOnlyRootFilesystem': false } },
      'readOnlyRootFilesystem',
    ],
    ['running as root', { set: { 'defaults.podSecurityContext.runAsNonRoot': false } }, 'runAsNonRoot'],
    [
      'a KEDA Kafka protocol below 2.1.0',
      { setString: { 'defaults.autoscaling.keda.kafkaVersion': '2.0.0' } },
      'kafkaVersion',
    ],
    [
      'an API key that is not a SHA-256 hash',
      { set: { 'secrets.apiKeys[0].name': 'a', 'secrets.apiKeys[0].sha256': 'plain-key' } },
      'sha256',
    ],
    ['an unknown log level', { set: { logLevel: 'verbose' } }, 'logLevel'],
    ['a broker without port', { set: { 'kafka.brokers[0]': 'kafka' } }, 'brokers'],
  ])('rejects %s', (_name, options, message) => {
    const result = lint(options);
    expect(result.ok).toBe(false);
    expect(result.output).toContain(message);
  });
});

describe('values.yaml documentation', () => {
  it('documents every key with a helm-docs "# --" comment (directly or through its documented parent)', () => {
    const lines = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8').split('\n');
    const undocumented: string[] = [];
    const stack: { indent: number; key: string; documented: boolean }[] = [];
    let pendingDoc = false;
    let inBlockScalar = -1;
    for (const line of lines) {
      const indent = line.length - line.trimStart().length;
      if (inBlockScalar >= 0) {
        if (line.trim() === '' || indent > inBlockScalar) continue;
        inBlockScalar = -1;
      }
      const trimmed = line.trim();
      if (trimmed.startsWith('# --')) {
        pendingDoc = true;
        continue;
      }
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const match = /^([A-Za-z0-9_.-]+):(.*)$/.exec(trimmed);
      if (!match || trimmed.startsWith('-')) {
        pendingDoc = false;
        continue;
      }
      while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? -1) >= indent) stack.pop();
      const parentDocumented = stack.some((entry) => entry.documented);
      const [, key = '', rest = ''] = match;
      const isLeaf = rest.trim() !== '';
      if (isLeaf && !pendingDoc && !parentDocumented)
        undocumented.push([...stack.map((e) => e.key), key].join('.'));
      if (/^\s*[|>][-+]?\s*$/.test(rest)) inBlockScalar = indent;
      stack.push({ indent, key, documented: pendingDoc || parentDocumented });
      pendingDoc = false;
    }
    expect(undocumented).toEqual([]);
  });

  it('ships a default alert rules file that is valid YAML with a rules list', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      alert: { rules: string };
    };
    const rules = parse(values.alert.rules) as { rules: { name: string }[] };
    expect(rules.rules.length).toBeGreaterThan(0);
    expect(new Set(rules.rules.map((r) => r.name)).size).toBe(rules.rules.length);
  });
});

describe('Grafana dashboards and datasource', () => {
  it('renders nothing for dashboards when the chart has no dashboard files, and still the datasource', () => {
    const copy = chartCopy();
    try {
      rmSync(join(copy.dir, 'dashboards'), { recursive: true, force: true });
      const objects = render({ chartDir: copy.dir, set: { 'grafana.dashboards.enabled': true } });
      const configMaps = ofKind<ConfigMap>(objects, 'ConfigMap').filter((c) => componentOf(c) === 'grafana');
      expect(configMaps.filter((c) => c.metadata.labels?.['grafana_dashboard'])).toEqual([]);
      const datasource = configMaps.filter((c) => c.metadata.labels?.['grafana_datasource'] === '1');
      expect(datasource).toHaveLength(1);
      const provisioning = parse(Object.values(datasource[0]?.data ?? {})[0] ?? '') as {
        datasources: { uid: string; type: string; url: string; jsonData: { dbName: string } }[];
      };
      expect(provisioning.datasources[0]).toMatchObject({
        uid: 'pulse-influxdb',
        type: 'influxdb',
        url: 'http://influxdb-influxdb2.influxdb.svc:80',
        jsonData: { dbName: 'pulse' },
      });
    } finally {
      copy.cleanup();
    }
  });

  it('renders one sidecar-labelled ConfigMap per dashboard file, with the JSON unchanged', () => {
    const copy = chartCopy();
    try {
      const dashboards = join(copy.dir, 'dashboards');
      mkdirSync(dashboards, { recursive: true });
      const dashboard = JSON.stringify({ title: 'Pulse test', uid: 'pulse-test', panels: [] }, null, 2);
      writeFileSync(join(dashboards, 'zz-test_board.json'), dashboard);
      const objects = render({ chartDir: copy.dir });
      const board = ofKind<ConfigMap>(objects, 'ConfigMap').find((c) =>
        c.metadata.name.endsWith('-dashboard-zz-test-board'),
      );
      expect(board?.metadata.labels?.['grafana_dashboard']).toBe('1');
      expect(board?.data['zz-test_board.json']).toBe(dashboard);
      const off = render({ chartDir: copy.dir, set: { 'grafana.dashboards.enabled': false } });
      expect(
        ofKind<ConfigMap>(off, 'ConfigMap').filter((c) => c.metadata.labels?.['grafana_dashboard']),
      ).toEqual([]);
    } finally {
      copy.cleanup();
    }
  });

  it('ships the dashboards of deploy/grafana/dashboards, and they use the datasource uid the chart provisions', () => {
    const source = join(REPO_ROOT, 'deploy/grafana/dashboards');
    const files = existsSync(source) ? readdirSync(source).filter((f) => f.endsWith('.json')) : [];
    const rendered = ofKind<ConfigMap>(render(), 'ConfigMap').filter(
      (c) => c.metadata.labels?.['grafana_dashboard'] === '1',
    );
    expect(rendered.map((c) => Object.keys(c.data)[0]).sort()).toEqual(files.sort());
    const uids = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === 'object' && node !== null) {
        const record = node as Record<string, unknown>;
        const ds = record['datasource'];
        if (typeof ds === 'object' && ds !== null) {
          const { uid, type } = ds as { uid?: unknown; type?: unknown };
          if (typeof uid === 'string' && type === 'influxdb' && !uid.startsWith('$')) uids.add(uid);
        }
        Object.values(record).forEach(collect);
      }
    };
    for (const file of files) collect(JSON.parse(readFileSync(join(source, file), 'utf8')) as unknown);
    for (const uid of uids) expect(uid).toBe('pulse-influxdb');
  });
});

describe('NOTES.txt', () => {
  /** helm template skips NOTES.txt: render it inside a ConfigMap of a throw-away chart copy. */
  function renderNotes(
    set: Record<string, string | number | boolean> = {},
    valuesFiles: string[] = [],
  ): string {
    const copy = chartCopy();
    try {
      const notes = readFileSync(join(copy.dir, 'templates/NOTES.txt'), 'utf8');
      const wrapper = [
        `{{- define "test.notes" -}}${notes}{{- end -}}`,
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: rendered-notes',
        'data:',
        '  notes: |',
        '{{ include "test.notes" . | indent 4 }}',
      ].join('\n');
      writeFileSync(join(copy.dir, 'templates/zz-notes.yaml'), wrapper);
      const objects = render({ chartDir: copy.dir, set, valuesFiles });
      const configMap = ofKind<ConfigMap>(objects, 'ConfigMap').find(
        (c) => c.metadata.name === 'rendered-notes',
      );
      return configMap?.data['notes'] ?? '';
    } finally {
      copy.cleanup();
    }
  }

  it('lists every service with its address and scaling, and how to reach ingestion', () => {
    const notes = renderNotes();
    for (const service of ['ingestion', 'enrichment', 'aggregation', 'alert', 'reporting']) {
      expect(notes).toMatch(new RegExp(`${service}\\s+pulse-${service}:300\\d`));
    }
    expect(notes).toContain('port-forward svc/pulse-ingestion');
    expect(notes).toContain('secrets.apiKeys is empty');
    expect(notes).toContain('secrets.reportingTokens is empty: reporting refuses to start');
    expect(notes).toContain('secrets.alertWriteTokens is empty: alert refuses to start');
  });

  it('names no missing credential once the key and the read token are set', () => {
    const notes = renderNotes({}, ['ci/minimal-values.yaml']);
    expect(notes).toMatch(/reporting\s+pulse-reporting:300\d/);
    expect(notes).not.toContain('is empty');
  });

  it('does not ask for a read token when reporting is not deployed', () => {
    const notes = renderNotes({ 'reporting.enabled': false });
    expect(notes).toContain('secrets.apiKeys is empty');
    expect(notes).not.toContain('secrets.reportingTokens');
  });

  it('says when the maxReplicas of a consumer is capped at the partition count, and what KEDA watches', () => {
    const notes = renderNotes({ 'enrichment.autoscaling.maxReplicas': 30 }, ['ci/production-values.yaml']);
    expect(notes).toContain(
      'KEDA on the committed lag of group pulse-enrichment on prod.events.raw, 2–24 replicas',
    );
    expect(notes).toContain(
      'KEDA on the Prometheus pulse_kafka_consumer_lag lag of group pulse-aggregation on prod.events.enriched',
    );
    expect(notes).toMatch(/NOTE: maxReplicas 30 is capped at topics.partitions 24/);
    expect(notes).toContain('existing Secret "pulse-credentials"');
  });
});
