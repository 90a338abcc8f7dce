/** The parts of a V8 `.cpuprofile` (as `node --cpu-prof` writes it) the summary needs. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileShare {
  name: string;
  /** Share of the non-idle samples, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle, ms. */
  busyMs: number;
  /** Self time by package (node_modules/<name>), Node internals, GC, or the project's own code. */
  byPackage: ProfileShare[];
  topFunctions: ProfileShare[];
}

const META = new Set(['(idle)', '(root)']);

/** Where a function lives: its npm package, Node itself, the garbage collector, or our code. */
export function packageOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (functionName === '(program)') return '(program: native, outside JS)';
  if (url === '' || url.startsWith('node:')) return '(node internals)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1] as string;
  const project = /\/(libs|services|tools)\/([^/]+)\//.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

function shares(selfByKey: Map<string, number>, total: number, limit: number): ProfileShare[] {
  return [...selfByKey]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, hits]) => ({ name, share: total > 0 ? hits / total : 0 }));
}

/** Self-time shares of a CPU profile, by package and by function (idle excluded). */
export function summarizeCpuProfile(profile: CpuProfile, limit = 12): ProfileSummary {
  const hits = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  const allSamples = [...hits.values()].reduce((sum, count) => sum + count, 0);
  const msPerSample = allSamples > 0 ? (profile.endTime - profile.startTime) / 1000 / allSamples : 0;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (count === 0 || META.has(functionName)) continue;
    busy += count;
    const where = packageOf(url, functionName);
    byPackage.set(where, (byPackage.get(where) ?? 0) + count);
    const name = `${functionName || '(anonymous)'} ${where}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
  }
  return {
    busyMs: busy * msPerSample,
    byPackage: shares(byPackage, busy, limit),
    topFunctions: shares(byFunction, busy, limit),
  };
}
