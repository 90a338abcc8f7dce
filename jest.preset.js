// Shared Jest settings for every project: swc transpiles TypeScript (with the decorator
// metadata Nest's DI needs) and the ESM-only packages Nest 12 ships, so tests run as CJS.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const swcTransform = [
  '@swc/jest',
  {
    swcrc: false,
    sourceMaps: 'inline',
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const pulseAliases = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('/', '\\/')}$`,
    path.join(__dirname, target),
  ]),
);

// ESM-only packages in node_modules that must be transpiled to CJS for Jest.
const esmPackages = ['@nestjs', '@nats-io', 'nestjs-pino', 'content-disposition', 'cookie'];

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swcTransform },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: pulseAliases,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  clearMocks: true,
  restoreMocks: true,
};
