import { bytesOf, podmanSecurity, type ChartPod } from './chart-security';

/** The shape the chart renders for a service (helm/pulse values: defaults.*SecurityContext, tmp). */
function restrictedPod(overrides: Partial<ChartPod['containers'][number]['securityContext']> = {}): ChartPod {
  return {
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'ingestion',
        env: [{ name: 'PULSE_SHUTDOWN_TIMEOUT', value: '23s' }, { name: 'FROM_SECRET' }],
        securityContext: {
          runAsNonRoot: true,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
          ...overrides,
        },
        volumeMounts: [
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'secrets', mountPath: '/etc/pulse/secrets', readOnly: true },
        ],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }, { name: 'secrets' }],
  };
}

describe('podmanSecurity', () => {
  it('turns the restricted security context into podman flags', () => {
    const security = podmanSecurity(restrictedPod(), 'ingestion');
    expect(security.args).toEqual([
      '--user=10001:10001',
      '--read-only',
      '--read-only-tmpfs=false',
      '--security-opt=no-new-privileges',
      '--cap-drop=ALL',
      '--tmpfs=/tmp:rw,nosuid,nodev,mode=1777,size=67108864',
    ]);
    expect(security).toMatchObject({ user: 10001, group: 10001, fsGroup: 10001, gracePeriodSeconds: 30 });
    expect(security.env).toEqual({ PULSE_SHUTDOWN_TIMEOUT: '23s' });
  });

  it('adds the fsGroup as a supplementary group when it differs from the user’s group', () => {
    const pod = restrictedPod();
    pod.securityContext = { ...pod.securityContext, fsGroup: 2000 };
    expect(podmanSecurity(pod, 'ingestion').args).toContain('--group-add=2000');
  });

  it('refuses what it cannot reproduce, rather than prove something else', () => {
    expect(() => podmanSecurity(restrictedPod({ privileged: true }), 'ingestion')).toThrow(/privileged/);
    expect(() =>
      podmanSecurity(restrictedPod({ capabilities: { add: ['NET_ADMIN'] } }), 'ingestion'),
    ).toThrow(/NET_ADMIN/);
    expect(() =>
      podmanSecurity(restrictedPod({ seccompProfile: { type: 'Unconfined' } }), 'ingestion'),
    ).toThrow(/Unconfined/);
    expect(() => podmanSecurity(restrictedPod({ runAsUser: 0 }), 'ingestion')).toThrow(/runAsNonRoot/);
    expect(() => podmanSecurity(restrictedPod(), 'alert')).toThrow(/no container alert/);
  });

  it('leaves a writable root alone when the chart does', () => {
    const args = podmanSecurity(restrictedPod({ readOnlyRootFilesystem: false }), 'ingestion').args;
    expect(args).not.toContain('--read-only');
  });
});

describe('bytesOf', () => {
  it.each([
    ['64Mi', 64 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['500M', 500e6],
    ['1048576', 1048576],
  ])('%s is %d bytes', (quantity, bytes) => {
    expect(bytesOf(quantity)).toBe(bytes);
  });

  it('refuses what it does not know', () => {
    expect(() => bytesOf('1.5Gi')).toThrow(/unsupported/);
  });
});
