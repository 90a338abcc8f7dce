import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/*
 * tools/patches/kafkajs+2.2.4.patch (applied by `npm ci`'s postinstall) makes kafkajs' record encoding
 * cheaper: no zero-filled buffers, one buffer per record, native CRC-32C. These cases pin that
 * the patch is in effect and that it writes exactly what unpatched kafkajs wrote. The broker
 * checks every batch's CRC, so the integration suites exercise it end to end as well.
 */
const requireFromKafkajs = createRequire(require.resolve('kafkajs'));

interface EncoderLike {
  readonly buffer: Buffer;
  writeVarInt(value: number): EncoderLike;
  writeInt8(value: number): EncoderLike;
  writeVarLong(value: number): EncoderLike;
  writeVarIntBytes(value: Buffer | string | null): EncoderLike;
  writeVarIntArray(values: EncoderLike[]): EncoderLike;
}
type EncoderClass = (new (initialSize?: number) => EncoderLike) & {
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: number): number;
  sizeOfVarIntBytes(value: Buffer | string | null): number;
};
interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
}

const crc32c = requireFromKafkajs('./src/protocol/recordBatch/crc32C') as (data: Buffer) => number;
const crc32cInJavaScript = requireFromKafkajs('./src/protocol/recordBatch/crc32C/crc32C') as (
  data: Buffer,
) => number;
const Encoder = requireFromKafkajs('./src/protocol/encoder') as EncoderClass;
const Header = requireFromKafkajs('./src/protocol/recordBatch/header/v0') as (header: {
  key: string;
  value: string | Buffer;
}) => EncoderLike;
const encodeRecord = requireFromKafkajs('./src/protocol/recordBatch/record/v0') as (
  record: RecordInput,
) => EncoderLike;

/** The record encoding of unpatched kafkajs 2.2.4, kept here as the reference. */
function referenceRecord({
  offsetDelta = 0,
  timestampDelta = 0,
  key,
  value,
  headers = {},
}: RecordInput): Buffer {
  const headerList = Object.entries(headers).flatMap(([name, values]) =>
    (Array.isArray(values) ? values : [values]).map((headerValue) => ({ key: name, value: headerValue })),
  );
  const headersSize = headerList.reduce((size, header) => {
    const keySize = Buffer.byteLength(header.key);
    const valueSize = Buffer.byteLength(header.value);
    return size + Encoder.sizeOfVarInt(keySize) + keySize + Encoder.sizeOfVarInt(valueSize) + valueSize;
  }, Encoder.sizeOfVarInt(headerList.length));
  const sizeOfBody =
    1 +
    Encoder.sizeOfVarLong(timestampDelta) +
    Encoder.sizeOfVarInt(offsetDelta) +
    Encoder.sizeOfVarIntBytes(key) +
    Encoder.sizeOfVarIntBytes(value) +
    headersSize;
  return new Encoder()
    .writeVarInt(sizeOfBody)
    .writeInt8(0)
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarIntArray(headerList.map(Header)).buffer;
}

describe('the kafkajs encoding patch', () => {
  it('is applied to the installed kafkajs (npm ci runs patch-package)', () => {
    for (const file of [
      './src/protocol/encoder.js',
      './src/protocol/recordBatch/crc32C/index.js',
      './src/protocol/recordBatch/record/v0/index.js',
    ]) {
      expect(readFileSync(requireFromKafkajs.resolve(file), 'utf8')).toContain('Pulse patch');
    }
  });

  it('computes CRC-32C natively, equal to the standard check value and to the JavaScript table', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    for (const size of [1, 7, 64, 666, 70_000]) {
      const data = randomBytes(size);
      expect(crc32c(data)).toBe(crc32cInJavaScript(data));
    }
    expect(crc32c(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeGreaterThan(0x7fffffff);
  });

  it.each<[string, RecordInput]>([
    [
      'a CloudEvent with headers',
      {
        offsetDelta: 17,
        timestampDelta: 1_234,
        key: 'cust-00042',
        value: Buffer.from(JSON.stringify({ id: 'e-1', data: { note: 'ünïcode'.repeat(100) } })),
        headers: { 'content-type': 'application/cloudevents+json', ce_id: 'e-1', traceparent: '00-ab-cd-01' },
      },
    ],
    ['no key, no headers', { key: null, value: 'plain' }],
    ['a tombstone', { offsetDelta: 300, key: Buffer.from('product-1'), value: null }],
    [
      'repeated and binary headers',
      { key: 'k', value: 'v', headers: { a: ['1', '22'], b: randomBytes(40) } },
    ],
    [
      'a value far over the initial buffer size',
      { key: 'k', value: randomBytes(100_000), headers: { h: 'x' } },
    ],
  ])('writes %s byte for byte as unpatched kafkajs did', (_name, record) => {
    // Equal bytes up to the encoder's offset also means no unwritten (allocUnsafe) byte leaks out.
    expect(encodeRecord(record).buffer.equals(referenceRecord(record))).toBe(true);
  });
});
