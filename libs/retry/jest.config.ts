export default {
  displayName: 'retry',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
