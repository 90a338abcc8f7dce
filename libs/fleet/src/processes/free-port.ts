import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PortRange {
  first: number;
  last: number;
}

/** Linux's default when `/proc` cannot tell (other systems use a range inside it). */
const DEFAULT_EPHEMERAL: PortRange = { first: 32768, last: 60999 };
/** Below this sit the ports people configure by hand (3000s, 8086, 9092…). */
const LOWEST_PORT = 10_000;
/** A gap smaller than this is not worth using; the kernel's own choice is used instead. */
const SMALLEST_USEFUL_GAP = 1_000;

/**
 * Reads the kernel's ephemeral range: the ports it gives outgoing connections and `listen(0)`.
 */
export function ephemeralPortRange(
  read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'),
): PortRange {
  try {
    const match = /^(\d+)\s+(\d+)$/.exec(read().trim());
    if (match) {
      const range = { first: Number(match[1]), last: Number(match[2]) };
      if (range.first <= range.last) return range;
    }
  } catch {
    // no /proc (not Linux): assume the usual range
  }
  return DEFAULT_EPHEMERAL;
}

/**
 * The larger stretch of ports outside the ephemeral range, or null when neither is worth using.
 * A port in it is never taken behind our back by an outgoing connection's local end.
 */
export function portsOutsideEphemeralRange(ephemeral: PortRange): PortRange | null {
  const below = { first: LOWEST_PORT, last: ephemeral.first - 1 };
  const above = { first: Math.max(LOWEST_PORT, ephemeral.last + 1), last: 65_535 };
  const size = (range: PortRange) => range.last - range.first + 1;
  const larger = size(below) >= size(above) ? below : above;
  return size(larger) >= SMALLEST_USEFUL_GAP ? larger : null;
}

/** Whether `port` can be listened on right now; 0 asks the kernel for one. Resolves the bound port or undefined. */
export type PortProbe = (port: number) => Promise<number | undefined>;

/** Listens on all interfaces, as the services do, then closes at once. */
export const probePort: PortProbe = (port) =>
  new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '0.0.0.0', () => {
      const address = server.address();
      server.close(() => resolve(address !== null && typeof address === 'object' ? address.port : undefined));
    });
  });

/**
 * Hands out TCP ports for processes a test or the bench starts (they cannot listen on port 0 and
 * tell us, so we pick for them). Two guarantees the kernel's `listen(0)` alone does not give:
 * - a port is never handed out twice by one allocator, even if the first taker has not bound it
 *   yet (asking the kernel twice in a row can return the same port);
 * - ports come from outside the ephemeral range, so an outgoing connection (a Kafka client, say)
 *   cannot take one as its local port between our choice and the service's `listen`.
 * Each port handed out was free when probed. The walk starts at a random place so that two
 * processes allocating at once rarely meet.
 */
export class PortAllocator {
  private readonly handedOut = new Set<number>();
  private next: number;
  /** Allocations run one at a time, so two callers at once cannot be given the same port. */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    /** Where to walk; null leaves the choice to the kernel. */
    private readonly range: PortRange | null = portsOutsideEphemeralRange(ephemeralPortRange()),
    private readonly probe: PortProbe = probePort,
    random: () => number = Math.random,
  ) {
    this.next = range ? range.first + Math.floor(random() * (range.last - range.first + 1)) : 0;
  }

  allocate(): Promise<number> {
    const allocation = this.previous.then(async () => {
      const port = this.range ? await this.walk(this.range) : await this.askKernel();
      this.handedOut.add(port);
      return port;
    });
    this.previous = allocation.catch(() => undefined);
    return allocation;
  }

  private async walk(range: PortRange): Promise<number> {
    const size = range.last - range.first + 1;
    for (let tried = 0; tried < size; tried++) {
      const candidate = this.next;
      this.next = candidate === range.last ? range.first : candidate + 1;
      if (this.handedOut.has(candidate)) continue;
      if ((await this.probe(candidate)) === candidate) return candidate;
    }
    throw new Error(`no free port left in ${range.first}–${range.last}`);
  }

  /** No room outside the ephemeral range: take the kernel's choice, skipping ones handed out. */
  private async askKernel(): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = await this.probe(0);
      if (port !== undefined && !this.handedOut.has(port)) return port;
    }
    throw new Error('in 100 attempts the kernel offered no port that was not handed out already');
  }
}

const processWide = new PortAllocator();

/**
 * A TCP port free on all interfaces a moment ago and never handed out before by this process.
 */
export async function freePort(): Promise<number> {
  return processWide.allocate();
}
