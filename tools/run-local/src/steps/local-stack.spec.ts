import { upComponents } from './local-stack';

describe('upComponents', () => {
  it('reads which components `stack.sh status` reports up', () => {
    const status = [
      'influxdb  127.0.0.1:8086   up (pid 22976, started by this stack; log /x/influxdb.log)',
      'nats      127.0.0.1:4222   down',
      'kafka     127.0.0.1:9092   up (reused: not started by this stack)',
    ].join('\n');
    expect(upComponents(status)).toEqual(['influxdb', 'kafka']);
    expect(upComponents('')).toEqual([]);
  });
});
