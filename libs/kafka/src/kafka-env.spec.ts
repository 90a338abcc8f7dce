import { loadConfig } from '@pulse/config';
import { heartbeatIntervalFor, kafkaConsumerSchema, kafkaProducerSchema } from './kafka-env';

describe('Kafka settings shared by the services', () => {
  const schema = { ...kafkaProducerSchema, ...kafkaConsumerSchema };

  it('defaults to no compression, a 30 s session and 1 MiB fetched per partition', () => {
    expect(loadConfig(schema, {})).toEqual({
      PULSE_KAFKA_COMPRESSION: 'none',
      PULSE_CONSUMER_SESSION_TIMEOUT: 30_000,
      PULSE_CONSUMER_FETCH_MAX_BYTES: 1_048_576,
    });
  });

  it('reads the settings, and names the variable that is wrong', () => {
    expect(
      loadConfig(schema, { PULSE_KAFKA_COMPRESSION: 'zstd', PULSE_CONSUMER_SESSION_TIMEOUT: '10s' }),
    ).toEqual({
      PULSE_KAFKA_COMPRESSION: 'zstd',
      PULSE_CONSUMER_SESSION_TIMEOUT: 10_000,
      PULSE_CONSUMER_FETCH_MAX_BYTES: 1_048_576,
    });
    expect(loadConfig(schema, { PULSE_CONSUMER_FETCH_MAX_BYTES: '262144' })).toMatchObject({
      PULSE_CONSUMER_FETCH_MAX_BYTES: 262_144,
    });
    expect(() => loadConfig(schema, { PULSE_CONSUMER_FETCH_MAX_BYTES: '1024' })).toThrow(
      /PULSE_CONSUMER_FETCH_MAX_BYTES/,
    );
    expect(() => loadConfig(schema, { PULSE_KAFKA_COMPRESSION: 'lz4' })).toThrow(/PULSE_KAFKA_COMPRESSION/);
    expect(() => loadConfig(schema, { PULSE_CONSUMER_SESSION_TIMEOUT: 'soon' })).toThrow(
      /PULSE_CONSUMER_SESSION_TIMEOUT/,
    );
  });

  it('heartbeats at most every 3 s and at least five times per session', () => {
    expect(heartbeatIntervalFor(30_000)).toBe(3_000);
    expect(heartbeatIntervalFor(10_000)).toBe(2_000);
    expect(heartbeatIntervalFor(6_000)).toBe(1_200);
    expect(heartbeatIntervalFor(1_000)).toBe(500);
  });
});
