import { podmanSecurity, renderChartPods } from './testing/chart-security';
import { IMAGE_TARGETS, REPO_ROOT, imageOf, podman, tryPodman } from './testing/podman';

/**
 * What `npm run images` produced, image by image: the chart's user, no build leftovers (package
 * caches, build secrets, dev dependencies), and a size and start-up that are printed for the record.
 */
describe('the images of deploy/docker/Dockerfile', () => {
  const pods = renderChartPods(REPO_ROOT);
  const ingestion = pods.services.get('ingestion');
  if (!ingestion) throw new Error('the chart renders no ingestion Deployment');
  const { user, group } = podmanSecurity(ingestion, 'ingestion');
  const sizes: string[] = [];

  afterAll(() => {
    console.log(`image sizes:\n${sizes.join('\n')}`);
  });

  it.each([...IMAGE_TARGETS])(
    '%s runs as the chart’s non-root user (numeric, as runAsNonRoot requires)',
    async (target) => {
      const [configuredUser, size] = (
        await podman('image', 'inspect', '--format', '{{.Config.User}} {{.Size}}', imageOf(target))
      ).split(' ');
      sizes.push(`  ${imageOf(target).padEnd(40)} ${(Number(size) / 1e6).toFixed(1)} MB`);
      expect(configuredUser).toBe(`${user}:${group}`);
      // Loosely: the Node binary and the production dependencies, not a toolchain.
      expect(Number(size)).toBeLessThan(700e6);
    },
  );

  it.each([...IMAGE_TARGETS])(
    '%s carries no package caches, build secrets or dev dependencies',
    async (target) => {
      // Every path listed here that exists in the image is printed; none may.
      const leftovers = [
        '/var/cache/apt/pkgcache.bin',
        '/var/cache/apt/srcpkgcache.bin',
        '/var/cache/apt/archives/*.deb',
        '/var/lib/apt/lists/*_Packages*',
        '/root/.npm',
        '/run/secrets/npm_ca',
        '/app/node_modules/nx',
        '/app/node_modules/jest',
        '/app/node_modules/@swc/core',
        '/app/node_modules/patch-package',
        '/app/node_modules/node',
        '/app/libs',
        '/app/services',
        '/app/tsconfig.base.json',
      ];
      const script = `for p in ${leftovers.join(' ')}; do [ -e "$p" ] && echo "$p"; done; true`;
      const found = await podman(
        'run',
        '--rm',
        '--user=0',
        '--entrypoint',
        '/bin/sh',
        imageOf(target),
        '-c',
        script,
      );
      expect(found.split('\n').filter((line) => line !== '')).toEqual([]);
    },
  );

  it('the cli image answers --help under the security context of the chart’s topics Job', async () => {
    const security = podmanSecurity(pods.cli, 'topics');
    const started = Date.now();
    const result = await tryPodman(
      'run',
      '--rm',
      '--network=host',
      ...security.args,
      imageOf('cli'),
      '--help',
    );
    console.log(`cli --help in a fresh container: ${Date.now() - started} ms`);
    expect(result.code).toBe(0);
    expect(result.output).toContain('topics');
  });
});
