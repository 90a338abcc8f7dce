// Fault-injection suite: the services as separate processes (from `npm run build`) against the
// real local stack — and, for the broker and InfluxDB outages, against private instances started
// from deploy/local with their own state dir and ports, so the shared stack is never stopped.
export default {
  displayName: 'resilience:integration',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.integration-spec.ts'],
  globalSetup: '<rootDir>/../../tools/jest/integration-global-setup.cjs',
  testTimeout: 180_000,
  verbose: true,
};
