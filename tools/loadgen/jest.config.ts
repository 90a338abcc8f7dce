export default {
  displayName: 'loadgen',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
