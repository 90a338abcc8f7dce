// The chart against a real control plane (tools/kube/cluster.sh, started by the suite itself):
// install, test, upgrade, rollback and uninstall with the pinned helm.
export default {
  displayName: 'helm-chart:integration',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.integration-spec.ts'],
  // On a fresh machine the first run builds the control plane (tools/kube/build.sh, about ten
  // minutes on 2 cores) in beforeAll, which has its own timeout; each test then takes seconds.
  testTimeout: 600_000,
};
