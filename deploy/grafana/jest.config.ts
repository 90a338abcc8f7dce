export default {
  displayName: 'grafana',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
