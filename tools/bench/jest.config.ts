// Unit tests of the harness's pure helpers only (statistics, /proc parsing, verdicts): the
// benchmark itself runs with `npm run bench`, never as part of `npm test`.
export default {
  displayName: 'bench',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
