import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A module whose one line maps to line 10 of `original.ts`, and that throws when called.
const map = { version: 3, sources: ['original.ts'], names: [], mappings: 'AASA' };
const throwingModule =
  "module.exports = () => { throw new Error('boom'); };\n" +
  `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;

/**
 * The top stack frame of each fixture module, called in a fresh Node process that first loads
 * source-maps.ts (Node strips its types) with these extra flags.
 */
function topFrames(dir: string, flags: string[]): { own: string; library: string } {
  const script = [
    `require(${JSON.stringify(join(__dirname, 'source-maps.ts'))});`,
    'const frame = (path) => { try { require(path)(); } catch (error) { return error.stack.split("\\n")[1].trim(); } };',
    `console.log(JSON.stringify({ own: frame(${JSON.stringify(join(dir, 'own.js'))}), library: frame(${JSON.stringify(join(dir, 'node_modules', 'lib', 'index.js'))}) }));`,
  ].join('\n');
  const output = execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
  return JSON.parse(output) as { own: string; library: string };
}

describe('mapOwnStackTraces (loaded first by @pulse/telemetry)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-source-maps-'));
    writeFileSync(join(dir, 'own.js'), throwingModule);
    mkdirSync(join(dir, 'node_modules', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'lib', 'index.js'), throwingModule);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("maps Pulse's own code to its TypeScript and leaves the libraries' maps unread", () => {
    const frames = topFrames(dir, []);
    expect(frames.own).toContain('original.ts:10');
    expect(frames.library).toContain(join('node_modules', 'lib', 'index.js:1'));
    expect(frames.library).not.toContain('original.ts');
  });

  it('keeps a NODE_OPTIONS --enable-source-maps as it is: the libraries are mapped too', () => {
    const frames = topFrames(dir, ['--enable-source-maps']);
    expect(frames.own).toContain('original.ts:10');
    expect(frames.library).toContain('original.ts:10');
  });
});
