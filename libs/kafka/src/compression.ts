import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';

/**
 * Record-batch compression of Pulse's producers. `none` is the default: on the internal topics
 * CPU, not bandwidth, bounds the pipeline (CPU per 1,000 events with each codec:
 * docs/performance.md, "Compression"). Choose `zstd` or `gzip` where the network between
 * services and brokers is the scarce or billed resource.
 */
export const COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
export const DEFAULT_COMPRESSION: Compression = 'none';

const zstdCompress = promisify(zlib.zstdCompress);
const zstdDecompress = promisify(zlib.zstdDecompress);

/** Level 3 is zstd's own default: ≈ gzip's ratio on JSON events at a few times less CPU. */
const ZSTD_LEVEL = 3;

/**
 * kafkajs ships no zstd codec (only a plug-in slot); Node ≥ 22.15 has zstd in zlib, so Pulse
 * fills the slot without a native add-on. Registered once per process on import of this
 * module (kafkajs's codec table is global), so every consumer built by @pulse/kafka can read
 * zstd batches whatever its own producer uses.
 */
export function registerCodecs(): void {
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }): Promise<Buffer> =>
      zstdCompress(encoder.buffer, { params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }),
    decompress: (buffer: Buffer): Promise<Buffer> => zstdDecompress(buffer),
  });
}

registerCodecs();

export function compressionType(compression: Compression): CompressionTypes {
  switch (compression) {
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'zstd':
      return CompressionTypes.ZSTD;
    default:
      return CompressionTypes.None;
  }
}
