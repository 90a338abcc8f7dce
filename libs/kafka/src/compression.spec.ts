import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { COMPRESSIONS, DEFAULT_COMPRESSION, compressionType } from './compression';

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

describe('compression', () => {
  it('defaults to none: CPU, not bandwidth, bounds the pipeline (docs/performance.md)', () => {
    expect(DEFAULT_COMPRESSION).toBe('none');
    expect(COMPRESSIONS).toEqual(['none', 'gzip', 'zstd']);
  });

  it('maps each name to the kafkajs codec type', () => {
    expect(compressionType('none')).toBe(CompressionTypes.None);
    expect(compressionType('gzip')).toBe(CompressionTypes.GZIP);
    expect(compressionType('zstd')).toBe(CompressionTypes.ZSTD);
  });

  it('registers a zstd codec that round-trips and shrinks JSON events', async () => {
    const codec = (CompressionCodecs[CompressionTypes.ZSTD] as () => Codec)();
    const events = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({
        specversion: '1.0',
        id: `e-${i}`,
        type: 'com.pulse.product.viewed.v1',
        data: { productId: `p-${i % 7}` },
      }),
    ).join('\n');
    const plain = Buffer.from(events);
    const packed = await codec.compress({ buffer: plain });
    expect(packed.length).toBeLessThan(plain.length / 4);
    expect((await codec.decompress(packed)).equals(plain)).toBe(true);
  });
});
