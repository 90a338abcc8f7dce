// The container images (`npm run images`, built by the integration target first) run with podman
// against the real local stack on the host network, under the chart's security context.
export default {
  displayName: 'images:integration',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../tools/jest/integration-global-setup.cjs',
  testTimeout: 180_000,
  verbose: true,
};
