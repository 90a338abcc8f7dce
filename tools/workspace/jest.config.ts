export default {
  displayName: 'workspace',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testTimeout: 60_000,
};
