import { ScaledObject, type IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import {
  PrometheusRule,
  type IPrometheusRule,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import {
  ServiceMonitor,
  type IServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import {
  PodDisruptionBudget,
  type IPodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Pod, type IPod } from 'kubernetes-models/v1/Pod';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import {
  KUBE_VERSION,
  NAMESPACE,
  OLDEST_KUBE_VERSION,
  parseManifests,
  render,
  renderText,
  strictDecodeErrors,
  variants,
  type K8sObject,
} from './render';

/**
 * Offline validation of every rendered object against the OpenAPI schemas of Kubernetes 1.36
 * (kubernetes-models 5.x) and of the CRDs the chart uses (KEDA, prometheus-operator).
 * An object of a kind not listed here fails the test: the chart may only render what is validated.
 */
type Validate = (object: K8sObject) => void;

const VALIDATORS: Record<string, Validate> = {
  'v1/ConfigMap': (o) => new ConfigMap(o as unknown as IConfigMap).validate(),
  'v1/Secret': (o) => new Secret(o as unknown as ISecret).validate(),
  'v1/Pod': (o) => new Pod(o as unknown as IPod).validate(),
  'v1/Service': (o) => new Service(o as unknown as IService).validate(),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as unknown as IServiceAccount).validate(),
  'apps/v1/Deployment': (o) => new Deployment(o as unknown as IDeployment).validate(),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) =>
    new HorizontalPodAutoscaler(o as unknown as IHorizontalPodAutoscaler).validate(),
  'policy/v1/PodDisruptionBudget': (o) =>
    new PodDisruptionBudget(o as unknown as IPodDisruptionBudget).validate(),
  'batch/v1/Job': (o) => new Job(o as unknown as IJob).validate(),
  'networking.k8s.io/v1/Ingress': (o) => new Ingress(o as unknown as IIngress).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o as unknown as INetworkPolicy).validate(),
  'keda.sh/v1alpha1/ScaledObject': (o) => new ScaledObject(o as unknown as IScaledObject).validate(),
  'monitoring.coreos.com/v1/ServiceMonitor': (o) =>
    new ServiceMonitor(o as unknown as IServiceMonitor).validate(),
  'monitoring.coreos.com/v1/PrometheusRule': (o) =>
    new PrometheusRule(o as unknown as IPrometheusRule).validate(),
};

function validationErrors(objects: K8sObject[]): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    const id = `${object.apiVersion}/${object.kind}`;
    const validate = VALIDATORS[id];
    if (!validate) {
      errors.push(`${id} ${object.metadata.name}: no validator for this kind`);
      continue;
    }
    try {
      validate(object);
    } catch (error) {
      errors.push(`${id} ${object.metadata.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe.each(variants())('values variant $name', ({ valuesFiles }) => {
  it.each([KUBE_VERSION, OLDEST_KUBE_VERSION])(
    'renders objects that pass the API schema validation (k8s %s)',
    (kubeVersion) => {
      const objects = render({ valuesFiles, kubeVersion });
      expect(objects.length).toBeGreaterThan(5);
      expect(validationErrors(objects)).toEqual([]);
    },
  );

  it('decodes strictly like the API server (no unknown or duplicate fields, right types)', () => {
    expect(strictDecodeErrors(renderText({ valuesFiles }))).toEqual([]);
  });

  it('names every object validly, in the release namespace unless configured otherwise', () => {
    for (const object of render({ valuesFiles })) {
      expect(object.metadata.name).toMatch(DNS_1123_LABEL);
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
      expect(object.metadata.namespace).toBeDefined();
    }
    const inOtherNamespaces = render({ valuesFiles }).filter((o) => o.metadata.namespace !== NAMESPACE);
    // only the Grafana ConfigMaps may go to Grafana's namespace
    for (const object of inOtherNamespaces) {
      expect(object.metadata.labels?.['app.kubernetes.io/component']).toBe('grafana');
    }
  });

  it('renders no duplicate kind/name pairs', () => {
    const ids = render({ valuesFiles }).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('the validators themselves', () => {
  it('the strict decoder rejects a misspelt field that the OpenAPI validation lets through', () => {
    const misspelt = renderText().replace('          readinessProbe:', '          readinesProbe:');
    expect(misspelt).not.toBe(renderText());
    expect(validationErrors(parseManifests(misspelt))).toEqual([]);
    expect(strictDecodeErrors(misspelt)).toEqual([expect.stringContaining('unknown field')]);
  });

  // Guards against a validation step that silently accepts anything (e.g. a broken import).
  it('reject a Deployment whose replicas is a string', () => {
    const [deployment] = render().filter((o) => o.kind === 'Deployment');
    if (!deployment) throw new Error('no Deployment rendered');
    const broken = structuredClone(deployment) as K8sObject & { spec: { replicas: unknown } };
    broken.spec.replicas = '3';
    expect(validationErrors([broken])).toEqual([expect.stringContaining('replicas must be integer')]);
  });

  it('reject a ScaledObject without scaleTargetRef and an unknown kind', () => {
    const scaledObject: K8sObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'x' },
      spec: { triggers: [] },
    };
    const unknown: K8sObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'y' } };
    const errors = validationErrors([scaledObject, unknown]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('scaleTargetRef');
    expect(errors[1]).toContain('no validator');
  });
});
