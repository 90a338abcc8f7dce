export default {
  displayName: 'alert',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
