export default {
  displayName: 'workspace:integration',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../tools/jest/integration-global-setup.cjs',
  testTimeout: 60_000,
};
