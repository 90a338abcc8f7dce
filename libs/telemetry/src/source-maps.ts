import { setSourceMapsSupport } from 'node:module';

/**
 * Maps stack traces to Pulse's own TypeScript, and leaves the libraries' source maps unloaded.
 * `--enable-source-maps` loads every map under node_modules too, with the sources embedded in
 * them: megabytes of heap in every service for stack frames that are already readable JavaScript
 * (docs/performance.md, "Memory"). A NODE_OPTIONS with `--enable-source-maps` is kept as it is,
 * for whoever wants the libraries mapped as well.
 */
export function mapOwnStackTraces(): void {
  if (process.sourceMapsEnabled) return;
  setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
}

// On import: only modules loaded afterwards get their maps read, so this runs first.
mapOwnStackTraces();
