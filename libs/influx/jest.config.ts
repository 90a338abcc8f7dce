export default {
  displayName: 'influx',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
