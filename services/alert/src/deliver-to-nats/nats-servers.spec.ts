import { natsServersOf } from './nats-connection';

describe('natsServersOf', () => {
  it('splits a comma-separated list, trimming blanks', () => {
    expect(natsServersOf(' nats://a:4222, nats://b:4222 ,')).toEqual(['nats://a:4222', 'nats://b:4222']);
  });

  it('turns publishing off for "none", in any case', () => {
    expect(natsServersOf(' None ')).toEqual([]);
  });
});
