import { createServer, type Server } from 'node:net';
import {
  ephemeralPortRange,
  freePort,
  PortAllocator,
  portsOutsideEphemeralRange,
  probePort,
  type PortProbe,
} from './free-port';

const everyPortFree: PortProbe = async (port) => port;

async function listenOn(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

describe('ephemeralPortRange', () => {
  it("reads the kernel's range", () => {
    expect(ephemeralPortRange(() => '32768\t60999\n')).toEqual({ first: 32768, last: 60999 });
    expect(ephemeralPortRange(() => '1024 65535')).toEqual({ first: 1024, last: 65535 });
  });

  it("assumes Linux's default when it cannot read or parse it", () => {
    const missing = () => {
      throw new Error('ENOENT');
    };
    expect(ephemeralPortRange(missing)).toEqual({ first: 32768, last: 60999 });
    expect(ephemeralPortRange(() => 'garbage')).toEqual({ first: 32768, last: 60999 });
    expect(ephemeralPortRange(() => '60999 32768')).toEqual({ first: 32768, last: 60999 });
  });
});

describe('portsOutsideEphemeralRange', () => {
  it('takes the larger gap, above the hand-configured ports', () => {
    expect(portsOutsideEphemeralRange({ first: 32768, last: 60999 })).toEqual({ first: 10000, last: 32767 });
    expect(portsOutsideEphemeralRange({ first: 12000, last: 40000 })).toEqual({ first: 40001, last: 65535 });
  });

  it('gives up when no gap is worth using', () => {
    expect(portsOutsideEphemeralRange({ first: 1024, last: 65535 })).toBeNull();
    expect(portsOutsideEphemeralRange({ first: 10500, last: 65000 })).toBeNull();
  });
});

describe('PortAllocator', () => {
  it('never hands out a port twice, and says so when the range is used up', async () => {
    const allocator = new PortAllocator({ first: 20000, last: 20049 }, everyPortFree, () => 0.5);
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await allocator.allocate());
    expect(new Set(ports).size).toBe(50);
    expect(ports[0]).toBe(20025);
    expect(Math.min(...ports)).toBe(20000);
    expect(Math.max(...ports)).toBe(20049);
    await expect(allocator.allocate()).rejects.toThrow('no free port left in 20000–20049');
  });

  it('skips ports that something else holds', async () => {
    const held = new Set([20001, 20002]);
    const probe: PortProbe = async (port) => (held.has(port) ? undefined : port);
    const allocator = new PortAllocator({ first: 20000, last: 20003 }, probe, () => 0.3);
    expect(await allocator.allocate()).toBe(20003);
    expect(await allocator.allocate()).toBe(20000);
    await expect(allocator.allocate()).rejects.toThrow('no free port left');
  });

  it("without a usable gap, takes the kernel's ports but never one it handed out", async () => {
    const offered = [41000, 41000, 41000, 42000];
    const asked: number[] = [];
    const probe: PortProbe = async (port) => {
      asked.push(port);
      return offered.shift();
    };
    const allocator = new PortAllocator(null, probe);
    expect(await allocator.allocate()).toBe(41000);
    expect(await allocator.allocate()).toBe(42000);
    expect(asked).toEqual([0, 0, 0, 0]);
  });

  it('gives callers asking at once distinct ports, even when the kernel offers one twice', async () => {
    const offered = [41000, 41000, 42000, 43000];
    const allocator = new PortAllocator(null, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return offered.shift();
    });
    const ports = await Promise.all([allocator.allocate(), allocator.allocate(), allocator.allocate()]);
    expect(ports).toEqual([41000, 42000, 43000]);
  });

  it('on the real kernel, never gives a port a listener holds, and gives it once it is free', async () => {
    const heldPort = await freePort();
    const held = await listenOn(heldPort);
    const onlyThatPort = { first: heldPort, last: heldPort };
    try {
      await expect(new PortAllocator(onlyThatPort, probePort).allocate()).rejects.toThrow(
        `no free port left in ${heldPort}–${heldPort}`,
      );
    } finally {
      await new Promise((resolve) => held.close(resolve));
    }
    expect(await new PortAllocator(onlyThatPort, probePort).allocate()).toBe(heldPort);
  });
});

describe('freePort', () => {
  it('gives distinct ports outside the ephemeral range, each one listenable', async () => {
    const ephemeral = ephemeralPortRange();
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(200);
    expect(ports.filter((port) => port >= ephemeral.first && port <= ephemeral.last)).toEqual([]);
    const servers = await Promise.all(ports.slice(0, 20).map(listenOn));
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });
});
