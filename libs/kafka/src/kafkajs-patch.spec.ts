import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';

/*
 * tools/patches/kafkajs+2.2.4.patch (applied by `npm ci`'s postinstall) makes kafkajs' per-record
 * work cheaper: no zero-filled buffers and one buffer per encoded record, varints written in place,
 * 32-bit timestamp deltas and offsets and timestamps below 2^53 in plain numbers instead of BigInt,
 * a batch's first and last timestamps found without sorting, native CRC-32C, the partitioner's
 * murmur2 in 32-bit integers instead of BigInt, one headers object per decoded record; and a fetched
 * partition's records are decoded when its batch is handled, not when the fetch arrives. These cases
 * pin that the patch is in effect and that it computes exactly what unpatched kafkajs did. The
 * broker checks every batch's CRC, so the integration suites exercise it
 * end to end as well.
 */
const requireFromKafkajs = createRequire(require.resolve('kafkajs'));

interface EncoderLike {
  readonly buffer: Buffer;
  writeVarInt(value: number): EncoderLike;
  writeInt8(value: number): EncoderLike;
  writeVarLong(value: number | bigint): EncoderLike;
  writeVarIntBytes(value: Buffer | string | null): EncoderLike;
  writeVarIntArray(values: EncoderLike[]): EncoderLike;
  writeInt16(value: number): EncoderLike;
  writeInt32(value: number): EncoderLike;
  writeInt64(value: number | string): EncoderLike;
  writeString(value: string): EncoderLike;
  writeBytes(value: Buffer | null): EncoderLike;
  writeEncoder(value: EncoderLike): EncoderLike;
}
type EncoderClass = (new (initialSize?: number) => EncoderLike) & {
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: number | bigint): number;
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
type Partitioner = (args: {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  message: Message;
}) => number;
const groupMessagesPerPartition = requireFromKafkajs('./src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  messages: Message[];
  partitioner: Partitioner;
}) => Record<number, Message[]>;
const murmur2 = requireFromKafkajs('./src/producer/partitioners/default/murmur2') as (
  key: string | Buffer,
) => number;
/** kafkajs' protocol Decoder, passed through untouched. */
type DecoderLike = object;
const Decoder = requireFromKafkajs('./src/protocol/decoder') as new (buffer: Buffer) => DecoderLike;
const decodeRecord = requireFromKafkajs('./src/protocol/recordBatch/record/v0/decoder') as (
  decoder: DecoderLike,
  batchContext: Record<string, unknown>,
) => {
  headers: Record<string, Buffer | Buffer[]>;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
};
interface DecoderReader {
  readString(): string;
  readInt16(): number;
  readInt32(): number;
  readBytes(): Buffer;
}
const ProduceRequestV3 = requireFromKafkajs('./src/protocol/requests/produce/v3/request') as (request: {
  acks: number;
  timeout: number;
  compression: number;
  topicData: {
    topic: string;
    partitions: {
      partition: number;
      firstSequence: number;
      messages: { key: string; value: string; timestamp: string | undefined }[];
    }[];
  }[];
}) => { encode(): Promise<EncoderLike> };
const decodeRecordBatch = requireFromKafkajs('./src/protocol/recordBatch/v0/decoder') as (
  decoder: DecoderLike,
) => Promise<DecodedBatch>;
interface FetchedPartition {
  partition: number;
  highWatermark: string;
  messages?: unknown[];
  recordSet?: Buffer | null;
}
const FetchResponseV11 = requireFromKafkajs('./src/protocol/requests/fetch/v11/response') as {
  decode(data: Buffer): Promise<{ responses: { topicName: string; partitions: FetchedPartition[] }[] }>;
};
const decodeMessages = requireFromKafkajs('./src/protocol/requests/fetch/v4/decodeMessages') as (
  decoder: DecoderLike,
) => Promise<{ offset: string; value: Buffer | null }[]>;
interface BatchLike {
  messages?: { offset: string; value: Buffer | null }[];
  decode(): Promise<void>;
  isEmpty(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
}
const Batch = requireFromKafkajs('./src/consumer/batch') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: FetchedPartition,
) => BatchLike;
interface RequestQueueLike {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  destroy(): void;
}
const RequestQueue = requireFromKafkajs('./src/network/requestQueue') as new (options: {
  maxInFlightRequests: number;
  requestTimeout: number;
  enforceRequestTimeout: boolean;
  clientId: string;
  broker: string;
  logger: { debug(): void; warn(): void; error(): void; info(): void };
}) => RequestQueueLike;
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
      './src/protocol/recordBatch/record/v0/decoder.js',
      './src/producer/partitioners/default/murmur2.js',
      './src/producer/partitioners/legacy/partitioner.js',
      './src/producer/groupMessagesPerPartition.js',
      './src/network/requestQueue/index.js',
      './src/protocol/requests/produce/v3/request.js',
    ]) {
      expect(readFileSync(requireFromKafkajs.resolve(file), 'utf8')).toContain('Pulse patch');
    }
  });

  it('keeps no 1 ms timer loop on an idle connection, yet checks back for a request that must wait', () => {
    const quiet = () => undefined;
    const queue = new RequestQueue({
      maxInFlightRequests: 1,
      requestTimeout: 30_000,
      enforceRequestTimeout: false,
      clientId: 'spec',
      broker: '127.0.0.1:9092',
      logger: { debug: quiet, warn: quiet, error: quiet, info: quiet },
    });
    const armed = (): boolean => queue.throttleCheckTimeoutId !== null;
    try {
      // What every fulfilled request runs: unpatched, it armed a timer that re-armed itself each ms.
      queue.checkPendingRequests();
      expect(armed()).toBe(false);

      // A request waiting behind the one in flight still gets its check.
      queue.inflight.set(1, {});
      queue.pending.push({});
      queue.checkPendingRequests();
      expect(armed()).toBe(true);
      queue.destroy();

      // So does the end of a broker-requested throttle, pending or not.
      queue.pending.length = 0;
      queue.throttledUntil = Date.now() + 5_000;
      queue.checkPendingRequests();
      expect(armed()).toBe(true);
    } finally {
      queue.destroy();
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

  it.each<number | bigint>([
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    127,
    128,
    300,
    -300,
    8_191,
    8_192,
    1_048_576,
    -1_048_577,
    2_147_483_647,
    -2_147_483_648,
    2_147_483_648,
    -2_147_483_649,
    2 ** 40,
    -(2 ** 40),
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    9_223_372_036_854_775_807n,
    -9_223_372_036_854_775_808n,
  ])('writes the varlong %p byte for byte as the 64-bit zigzag encoding, and sizes it so', (value) => {
    const expected = referenceVarLong(BigInt(value));
    expect(new Encoder(1).writeVarLong(value).buffer.equals(expected)).toBe(true);
    expect(Encoder.sizeOfVarLong(value)).toBe(expected.length);
    if (typeof value === 'number' && (value | 0) === value) {
      // A varint is the same encoding in 32 bits; written into a buffer that must grow.
      expect(new Encoder(1).writeVarInt(value).buffer.equals(expected)).toBe(true);
    }
  });

  it('writes consecutive varints past the initial buffer without losing a byte', () => {
    const values = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? 1 : -1) * i * 40_503);
    const encoder = new Encoder(1);
    for (const value of values) encoder.writeVarInt(value);
    expect(encoder.buffer.equals(Buffer.concat(values.map((value) => referenceVarLong(BigInt(value)))))).toBe(
      true,
    );
  });

  it.each<[string, string, number | bigint, number]>([
    ['small offsets', '1764000000000', 5, 3],
    ['a negative timestamp delta', '1764000000000', -1_500, 0],
    ['no timestamp (-1)', '-1', 0, 12],
    ['a delta too large for a double varint (8 bytes)', '1764000000000', 2n ** 50n, 1],
    ['a negative 64-bit delta', '1764000000000', -(2n ** 48n) - 7n, 2],
  ])(
    'decodes a record with %s to the offset and timestamp Long arithmetic gives',
    (_name, firstTimestamp, timestampDelta, offsetDelta) => {
      for (const firstOffset of ['0', '100', '9007199254740990', '9223372036854775000']) {
        const body = new Encoder()
          .writeInt8(0)
          .writeVarLong(timestampDelta)
          .writeVarInt(offsetDelta)
          .writeVarIntBytes('key')
          .writeVarIntBytes('value')
          .writeVarInt(0).buffer;
        const record = decodeRecord(new Decoder(body), { firstOffset, firstTimestamp, magicByte: 2 });
        expect(record.offset).toBe((BigInt(firstOffset) + BigInt(offsetDelta)).toString());
        expect(record.timestamp).toBe((BigInt(firstTimestamp) + BigInt(timestampDelta)).toString());
        expect(record.key?.toString()).toBe('key');
        expect(record.value?.toString()).toBe('value');
      }
    },
  );

  it("sets a produced batch's first and last timestamps and each record's as unpatched kafkajs did", async () => {
    const stamps = [
      '1764000000300',
      '1764000000100',
      undefined,
      '1764000000900',
      '1764000000100',
      '1764000000500',
    ];
    const messages = stamps.map((timestamp, i) => ({ key: `k${i}`, value: `v${i}`, timestamp }));
    const batch = await producedBatch(messages);
    expect(batch.firstTimestamp).toBe('1764000000100');
    expect(batch.maxTimestamp).toBe('1764000000900');
    // A message without a timestamp is stamped with the time it was encoded.
    const stamped = batch.records.map((record) => record.timestamp);
    expect(stamped.filter((_, i) => stamps[i] !== undefined)).toEqual(stamps.filter(Boolean));
    expect(Number(stamped[2])).toBeGreaterThanOrEqual(Date.now() - 60_000);
    expect(batch.records.map((record) => record.value.toString())).toEqual(messages.map((m) => m.value));

    const unstamped = await producedBatch([{ key: 'k', value: 'v', timestamp: undefined }]);
    expect(unstamped.firstTimestamp).toBe(unstamped.maxTimestamp);
    expect(unstamped.records[0]?.timestamp).toBe(unstamped.firstTimestamp);
  });

  it("hashes keys as Java Kafka does (the vectors of Kafka's UtilsTest), so partitions match other clients", () => {
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it('hashes every key length and byte value as the BigInt formulation does', () => {
    for (let length = 0; length < 80; length += 1) {
      for (let round = 0; round < 25; round += 1) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(referenceMurmur2(key));
      }
    }
  });

  it('groups a send by partition in message order, as unpatched kafkajs did', () => {
    const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId): PartitionMetadata => ({
      partitionId,
      leader: partitionId === 4 ? -1 : 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    const messages: Message[] = Array.from({ length: 500 }, (_, i) => ({
      key: i % 50 === 0 ? null : `cust-${i % 37}`,
      value: `event-${i}`,
      ...(i % 97 === 0 ? { partition: 2 } : {}),
    }));
    const partitioner = Partitioners.DefaultPartitioner() as Partitioner;
    const keyed = (message: Message) => message.key !== null;
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    // Keyless messages go round-robin to partitions with a leader; the rest must match the
    // reference exactly (same partitions, same order), so compare with them set aside.
    const keyedOnly = messages.filter(keyed);
    expect(
      groupMessagesPerPartition({ topic: 't', partitionMetadata, messages: keyedOnly, partitioner }),
    ).toEqual(
      referenceGroupMessages(keyedOnly, (message) => partitioner({ topic: 't', partitionMetadata, message })),
    );
    const keyless = Object.entries(grouped).flatMap(([partition, list]) =>
      list.filter((message) => !keyed(message)).map(() => Number(partition)),
    );
    expect(keyless).toHaveLength(messages.filter((message) => !keyed(message)).length);
    expect(keyless).not.toContain(4);
    expect(Object.values(grouped).flat()).toHaveLength(messages.length);
  });

  it("decodes a fetched partition's records only when its batch is handled, as unpatched kafkajs did at once", async () => {
    const values = ['a', 'b', 'c', 'd', 'e'];
    const recordBatch = await producedRecordBatch(
      values.map((value, i) => ({ key: `k${i}`, value, timestamp: String(1764000000000 + i) })),
    );
    const partitionResponse = (partition: number, records: Buffer | null): EncoderLike =>
      new Encoder()
        .writeInt32(partition)
        .writeInt16(0) // error code
        .writeInt64('5') // high watermark
        .writeInt64('5') // last stable offset
        .writeInt64('0') // log start offset
        .writeInt32(0) // aborted transactions
        .writeInt32(-1) // preferred read replica
        .writeBytes(records);
    const response = new Encoder()
      .writeInt32(0) // throttle time
      .writeInt16(0) // error code
      .writeInt32(0) // session id
      .writeInt32(1)
      .writeString('t')
      .writeInt32(3)
      .writeEncoder(partitionResponse(0, recordBatch))
      .writeEncoder(partitionResponse(1, recordBatch))
      .writeEncoder(partitionResponse(2, null)).buffer;

    const [topic] = (await FetchResponseV11.decode(response)).responses;
    const [fromStart, fromOffset2, empty] = topic?.partitions ?? [];
    if (!fromStart || !fromOffset2 || !empty) throw new Error('three partitions expected');
    // The fetch keeps each partition's record set as it came: nothing is decoded yet.
    expect(fromStart.messages).toBeUndefined();
    expect(fromStart.recordSet?.equals(recordBatch)).toBe(true);

    const eager = await decodeMessages(new Decoder(new Encoder().writeBytes(recordBatch).buffer));
    const whole = new Batch('t', '0', fromStart);
    expect(whole.messages).toBeUndefined();
    await whole.decode();
    expect(whole.messages).toEqual(eager);
    expect(whole.messages?.map((message) => message.value?.toString())).toEqual(values);
    expect([whole.firstOffset(), whole.lastOffset()]).toEqual(['0', '4']);
    await whole.decode(); // a second call keeps what the first decoded
    expect(whole.messages).toEqual(eager);

    // Records below the fetched offset are dropped, as before.
    const tail = new Batch('t', '2', fromOffset2);
    await tail.decode();
    expect(tail.messages?.map((message) => message.offset)).toEqual(['2', '3', '4']);
    expect(tail.firstOffset()).toBe('2');

    const nothing = new Batch('t', '5', empty);
    await nothing.decode();
    expect(nothing.isEmpty()).toBe(true);
    expect(nothing.lastOffset()).toBe('4');
  });

  it('decodes headers as unpatched kafkajs did: repeated names become arrays, own "__proto__" included', () => {
    const headerList: [string, string][] = [
      ['traceparent', '00-ab-cd-01'],
      ['ce_id', 'e-1'],
      ['multi', 'first'],
      ['multi', 'second'],
      ['multi', 'third'],
      ['__proto__', 'not-a-prototype'],
      ['constructor', 'c'],
    ];
    // A record body as the fetch decoder hands it over: attributes onwards, no length prefix.
    const body = new Encoder()
      .writeInt8(0)
      .writeVarLong(5)
      .writeVarInt(3)
      .writeVarIntBytes('k')
      .writeVarIntBytes('v')
      .writeVarIntArray(headerList.map(([key, value]) => Header({ key, value }))).buffer;
    const record = decodeRecord(new Decoder(body), {
      firstOffset: '100',
      firstTimestamp: '1764000000000',
      magicByte: 2,
    });
    expect(record.offset).toBe('103');
    expect(record.timestamp).toBe('1764000000005');
    const reference = referenceHeaders(
      headerList.map(([key, value]) => ({ key, value: Buffer.from(value) })),
    );
    expect(record.headers).toEqual(reference);
    expect(Object.getPrototypeOf(record.headers)).toBe(Object.prototype);
    expect(Object.keys(record.headers)).toEqual(Object.keys(reference));
    expect(Object.getOwnPropertyDescriptor(record.headers, '__proto__')?.value).toEqual(
      Object.getOwnPropertyDescriptor(reference, '__proto__')?.value,
    );
  });
});

/** A signed 64-bit value as Kafka's zigzag varlong, computed in BigInt as unpatched kafkajs did. */
function referenceVarLong(value: bigint): Buffer {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  bytes.push(Number(zigzag));
  return Buffer.from(bytes);
}

interface DecodedBatch {
  firstTimestamp: string;
  maxTimestamp: string;
  records: { timestamp: string; value: Buffer }[];
}

/** Encodes a produce request (v3, uncompressed) for one partition and decodes its record batch back. */
async function producedBatch(
  messages: { key: string; value: string; timestamp: string | undefined }[],
): Promise<DecodedBatch> {
  return decodeRecordBatch(new Decoder(await producedRecordBatch(messages)));
}

/** The record batch (base offset 0) a produce request (v3, uncompressed) carries for one partition. */
async function producedRecordBatch(
  messages: { key: string; value: string; timestamp: string | undefined }[],
): Promise<Buffer> {
  const request = ProduceRequestV3({
    acks: -1,
    timeout: 30_000,
    compression: 0,
    topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages }] }],
  });
  const decoder = new Decoder((await request.encode()).buffer) as DecoderReader;
  decoder.readString(); // transactional id
  decoder.readInt16(); // acks
  decoder.readInt32(); // timeout
  expect(decoder.readInt32()).toBe(1); // topics
  expect(decoder.readString()).toBe('t');
  expect(decoder.readInt32()).toBe(1); // partitions
  expect(decoder.readInt32()).toBe(0);
  return decoder.readBytes();
}

/** Kafka's murmur2 in 64-bit BigInt arithmetic, as kafkajs 2.2.4 computed it with its Long class. */
function referenceMurmur2(data: Buffer): number {
  const mask = (1n << 64n) - 1n;
  const m = 0x5bd1e995n;
  const low32 = (value: bigint): number => Number(BigInt.asIntN(32, value));
  let h = 0x9747b28cn ^ BigInt(data.length);
  for (let i = 0; i + 4 <= data.length; i += 4) {
    let k = BigInt(data.readInt32LE(i));
    k = (k * m) & mask;
    k ^= BigInt(low32(k) >>> 24);
    k = (k * m) & mask;
    h = ((h * m) & mask) ^ k;
  }
  const tail = data.length & ~3;
  const rest = data.length % 4;
  if (rest >= 3) h ^= BigInt((data[tail + 2] as number) << 16);
  if (rest >= 2) h ^= BigInt((data[tail + 1] as number) << 8);
  if (rest >= 1) {
    h ^= BigInt(data[tail] as number);
    h = (h * m) & mask;
  }
  h ^= BigInt(low32(h) >>> 13);
  h = (h * m) & mask;
  h ^= BigInt(low32(h) >>> 15);
  return low32(h);
}

/** kafkajs 2.2.4's header decoding: a reduce that spread a new object per header. */
function referenceHeaders(headers: { key: string; value: Buffer }[]): Record<string, Buffer | Buffer[]> {
  return headers.reduce<Record<string, Buffer | Buffer[]>>((obj, { key, value }) => {
    const current = obj[key];
    return {
      ...obj,
      [key]:
        current === undefined ? value : Array.isArray(current) ? current.concat([value]) : [current, value],
    };
  }, {});
}

/** kafkajs 2.2.4's grouping: a reduce that copied the partition's array for every message. */
function referenceGroupMessages(
  messages: Message[],
  partitionOf: (message: Message) => number,
): Record<number, Message[]> {
  return messages.reduce<Record<number, Message[]>>((result, message) => {
    const partition = partitionOf(message);
    const current = result[partition] ?? [];
    return Object.assign(result, { [partition]: [...current, message] });
  }, {});
}
