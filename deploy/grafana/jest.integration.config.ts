export default {
  displayName: 'grafana:integration',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../tools/jest/integration-global-setup.cjs',
  testTimeout: 180_000,
};
