// Tests of the Helm chart: render every values variant with the pinned helm, validate the objects
// against the Kubernetes API schemas (kubernetes-models) and check the chart's policies.
const modules = '<rootDir>/../../node_modules';

export default {
  displayName: 'helm-chart',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.spec.ts'],
  // kubernetes-models and its CRD packages are ESM-only, with an exports map that has an "import"
  // condition only, which Jest's CommonJS resolver does not match. Map their specifiers to the files
  // (instead of adding the "import" condition globally, which would also switch Jest's own
  // dependencies to ESM builds), and let swc turn those ESM files into CommonJS.
  moduleNameMapper: {
    '^kubernetes-models/(.+?)(\\.js)?$': `${modules}/kubernetes-models/$1.js`,
    '^@kubernetes-models/(base|validate)$': `${modules}/@kubernetes-models/$1/dist/index.js`,
    '^@kubernetes-models/validate/runtime/(.+?)(\\.js)?$': `${modules}/@kubernetes-models/validate/dist/runtime/$1.js`,
    '^@kubernetes-models/(apimachinery|keda|prometheus-operator)/(.+?)(\\.js)?$': `${modules}/@kubernetes-models/$1/$2.js`,
  },
  // Also the preset's ESM-only packages (Nest and others): the rule checks read the services'
  // metric catalogue through @pulse/testing, which loads @pulse/observability.
  transformIgnorePatterns: [
    '/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex|@nestjs|@nats-io|nestjs-pino|content-disposition|cookie)/)',
  ],
  // A render takes well under a second, but the first run on a fresh machine builds the pinned
  // helm (tools/helm/install-helm.sh, `go install`, a few minutes) inside the first test.
  testTimeout: 600_000,
};
