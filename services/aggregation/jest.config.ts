export default {
  displayName: 'aggregation',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
