export default {
  displayName: 'enrichment',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
