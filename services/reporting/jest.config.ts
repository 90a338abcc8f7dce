export default {
  displayName: 'reporting',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
