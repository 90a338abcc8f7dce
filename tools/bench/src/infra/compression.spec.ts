import { benchCompression } from './compression';

describe('benchCompression', () => {
  it("follows the services' setting: their default, or what --service-env chose", () => {
    expect(benchCompression({ serviceEnv: {} })).toBe('none');
    expect(benchCompression({ serviceEnv: { PULSE_KAFKA_COMPRESSION: 'zstd' } })).toBe('zstd');
  });

  it('refuses a codec the services would refuse, naming the variable', () => {
    expect(() => benchCompression({ serviceEnv: { PULSE_KAFKA_COMPRESSION: 'lz4' } })).toThrow(
      /PULSE_KAFKA_COMPRESSION/,
    );
  });
});
