// Unit specs of the e2e suite's own helpers (src/testing), when it has any; the suite itself
// runs with jest.e2e.config.ts.
export default {
  displayName: 'e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  passWithNoTests: true,
};
