// The end-to-end suite: the five services as separate processes (from `npm run build`) against
// the real local stack, driven by the load generator. `npm run e2e` builds first.
export default {
  displayName: 'e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../../tools/jest/integration-global-setup.cjs',
  testTimeout: 240_000,
};
