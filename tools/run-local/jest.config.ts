export default {
  displayName: 'run-local',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
