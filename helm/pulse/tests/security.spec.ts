import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import {
  SERVICES,
  componentOf,
  ofKind,
  render,
  renderError,
  type K8sObject,
  type RenderOptions,
  type ServiceName,
} from './render';

type Deployment = IDeployment & K8sObject;
type Job = IJob & K8sObject;
type Secret = K8sObject & { data?: Record<string, string> };

const PRODUCTION: RenderOptions = { valuesFiles: ['ci/production-values.yaml'] };
const digest = (fill: string): string => `sha256:${fill.repeat(64)}`;

function podOf(objects: K8sObject[], service: ServiceName): IPodSpec {
  const deployment = ofKind<Deployment>(objects, 'Deployment').find((d) => componentOf(d) === service);
  const spec = deployment?.spec?.template.spec;
  if (!spec) throw new Error(`no Deployment for ${service}`);
  return spec;
}

function imageOf(objects: K8sObject[], service: ServiceName | 'cli'): string {
  const spec =
    service === 'cli' ? ofKind<Job>(objects, 'Job')[0]?.spec?.template.spec : podOf(objects, service);
  const image = spec?.containers[0]?.image;
  if (image === undefined) throw new Error(`no image for ${service}`);
  return image;
}

describe('image digests', () => {
  const IMAGES = [...SERVICES, 'cli'] as const;
  const keyOf = (image: (typeof IMAGES)[number]): string =>
    image === 'cli' ? 'topics.job.image.digest' : `${image}.image.digest`;

  it('pins each image to its own digest only', () => {
    IMAGES.forEach((pinned, index) => {
      const own = digest(index.toString(16));
      const all = render({ set: { [keyOf(pinned)]: own } });
      for (const image of IMAGES) {
        const reference = imageOf(all, image);
        if (image === pinned) expect(reference).toMatch(new RegExp(`-${image}:[^@]+@${own}$`));
        else expect({ image, reference }).toEqual({ image, reference: expect.not.stringContaining('@') });
      }
    });
  });

  it('gives every image the digest set for it when all are pinned', () => {
    const set = Object.fromEntries(IMAGES.map((image, index) => [keyOf(image), digest(index.toString(16))]));
    const all = render({ set });
    IMAGES.forEach((image, index) => expect(imageOf(all, image)).toContain(`@${digest(index.toString(16))}`));
  });

  it('refuses one digest for all images', () => {
    expect(renderError({ set: { 'image.digest': digest('a') } })).toContain(
      'a digest names exactly one image: set <service>.image.digest',
    );
  });
});

describe('network policy for metrics scrapers', () => {
  const scrapeRules = (objects: K8sObject[]) =>
    ofKind<INetworkPolicy & K8sObject>(objects, 'NetworkPolicy')
      .filter((policy) => componentOf(policy) !== 'topics')
      .map((policy) => ({
        service: componentOf(policy),
        // Rules with a source list: the scrapers (and, in production, the external peers). The
        // rule for the release's own `helm test` pod is checked in policy.spec.ts.
        rules: (policy.spec?.ingress ?? []).filter(
          (rule) =>
            rule.from !== undefined &&
            !rule.from.every(
              (peer) =>
                peer.namespaceSelector === undefined &&
                peer.podSelector?.matchLabels?.['app.kubernetes.io/component'] === 'test',
            ),
        ),
      }));

  it('admits scrapers by namespace AND pod label, in one peer, on the HTTP port only', () => {
    for (const { service, rules } of scrapeRules(render())) {
      if (service === 'ingestion' || service === 'reporting') continue; // open to any source by default
      expect({ service, rules: rules.length }).toEqual({ service, rules: 1 });
      const [rule] = rules;
      expect(rule?.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
      expect(rule?.from).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ]);
    }
  });

  it('in production (external services closed to the world) every service admits the same scrapers', () => {
    for (const { service, rules } of scrapeRules(render(PRODUCTION))) {
      const scrapers = rules.filter((rule) => rule.from?.some((peer) => peer.podSelector !== undefined));
      expect({ service, scrapers: scrapers.map((rule) => rule.from) }).toEqual({
        service,
        scrapers: [
          [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            },
          ],
        ],
      });
    }
  });

  it.each([
    [
      'a pod label in any namespace',
      [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'prometheus' } } }],
    ],
    ['a pod label alone', [{ podSelector: { matchLabels: { app: 'prometheus' } } }]],
    ['a namespace alone', [{ namespaceSelector: { matchLabels: { team: 'monitoring' } } }]],
    ['an address block', [{ ipBlock: { cidr: '10.0.0.0/8' } }]],
  ])('refuses scrapers selected by %s', (_, metricsFrom) => {
    expect(renderError({ setJson: { 'networkPolicy.metricsFrom': metricsFrom } })).toContain(
      'networkPolicy.metricsFrom[0] must select scrapers by namespace and pod label together',
    );
  });
});

describe('ingress', () => {
  const INGRESS_ON = { 'ingestion.ingress.enabled': true, 'reporting.ingress.enabled': true };

  it('exposes /v1 only, never /metrics, /docs or /health', () => {
    for (const options of [{ set: INGRESS_ON }, PRODUCTION]) {
      const ingresses = ofKind<IIngress & K8sObject>(render(options), 'Ingress');
      expect(ingresses.map(componentOf).sort()).toEqual(['ingestion', 'reporting']);
      const paths = ingresses.flatMap((ingress) =>
        (ingress.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []),
      );
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        expect(path.path).toMatch(/^\/v1(\/|$)/);
        expect(['Prefix', 'Exact']).toContain(path.pathType);
      }
    }
  });

  it.each([
    ['/', 'Prefix'],
    ['/metrics', 'Prefix'],
    ['/docs', 'Prefix'],
    ['/health/ready', 'Exact'],
    ['/v1/../metrics', 'Prefix'],
    ['/v1.*', 'Prefix'],
    ['/v10', 'Prefix'],
    ['/v1', 'ImplementationSpecific'],
  ])('refuses the path %s (%s)', (path, pathType) => {
    const error = renderError({
      set: INGRESS_ON,
      setJson: { 'reporting.ingress.hosts': [{ host: 'r.example.com', paths: [{ path, pathType }] }] },
    });
    expect(error).toMatch(/values don't meet the specifications of the schema/);
    expect(error).toMatch(
      /reporting\.ingress\.hosts\.0\.paths\.0\.(path|pathType)|reporting\/ingress\/hosts\/0\/paths\/0\/(path|pathType)/,
    );
  });
});

describe('InfluxDB credentials', () => {
  const TOKENS = { 'secrets.influxToken': 'writer-token', 'secrets.influxReadToken': 'reader-token' };
  const envOf = (objects: K8sObject[], service: ServiceName): Record<string, string | undefined> =>
    Object.fromEntries((podOf(objects, service).containers[0]?.env ?? []).map((e) => [e.name, e.value]));
  const mountedKeys = (objects: K8sObject[], service: ServiceName): string[] =>
    (podOf(objects, service).volumes?.find((volume) => volume.secret)?.secret?.items ?? []).map((i) => i.key);

  it('gives reporting the read-only token and never the write token; aggregation the write token only', () => {
    const all = render({ setString: TOKENS });
    const [secret] = ofKind<Secret>(all, 'Secret');
    const decoded = (key: string) => Buffer.from(secret?.data?.[key] ?? '', 'base64').toString();
    expect(decoded('influxdb-token')).toBe('writer-token');
    expect(decoded('influxdb-read-token')).toBe('reader-token');

    expect(envOf(all, 'reporting')['PULSE_INFLUX_READ_TOKEN_FILE']).toBe(
      '/etc/pulse/secrets/influxdb-read-token',
    );
    expect(envOf(all, 'reporting')).not.toHaveProperty('PULSE_INFLUX_TOKEN_FILE');
    expect(envOf(all, 'reporting')).not.toHaveProperty('PULSE_INFLUX_TOKEN');
    expect(mountedKeys(all, 'reporting')).toContain('influxdb-read-token');
    expect(mountedKeys(all, 'reporting')).not.toContain('influxdb-token');

    expect(envOf(all, 'aggregation')['PULSE_INFLUX_TOKEN_FILE']).toBe('/etc/pulse/secrets/influxdb-token');
    expect(envOf(all, 'aggregation')).not.toHaveProperty('PULSE_INFLUX_READ_TOKEN_FILE');
    expect(mountedKeys(all, 'aggregation')).toEqual(['influxdb-token']);

    for (const service of ['ingestion', 'enrichment', 'alert'] as const) {
      expect(mountedKeys(all, service)).not.toContain('influxdb-token');
      expect(mountedKeys(all, service)).not.toContain('influxdb-read-token');
    }
    // Nothing of either token reaches the shared ConfigMap.
    const configMaps = JSON.stringify(ofKind(all, 'ConfigMap'));
    expect(configMaps).not.toContain('writer-token');
    expect(configMaps).not.toContain('reader-token');
  });

  it('with an existing Secret, reporting mounts its read key and aggregation its write key', () => {
    const all = render(PRODUCTION);
    expect(mountedKeys(all, 'reporting')).toContain('influxdb-read-token');
    expect(mountedKeys(all, 'reporting')).not.toContain('influxdb-token');
    expect(mountedKeys(all, 'aggregation')).toContain('influxdb-token');
    expect(mountedKeys(all, 'aggregation')).not.toContain('influxdb-read-token');
  });

  it('refuses a write token without a read token for reporting, and the same token for both', () => {
    expect(renderError({ setString: { 'secrets.influxToken': 'writer-token' } })).toContain(
      'secrets.influxToken is set but secrets.influxReadToken is not',
    );
    expect(
      renderError({
        setString: { 'secrets.influxToken': 'same-token', 'secrets.influxReadToken': 'same-token' },
      }),
    ).toContain('reporting must hold a read-only InfluxDB token');
    // Without reporting nothing needs the read token.
    expect(() =>
      render({ setString: { 'secrets.influxToken': 'writer-token' }, set: { 'reporting.enabled': false } }),
    ).not.toThrow();
  });
});
