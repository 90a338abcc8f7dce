export default {
  displayName: 'ingestion',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
