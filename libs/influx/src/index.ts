export { InfluxClient } from './influx-client';
export type { Series, WriteTarget } from './influx-client';
export type { FetchLike, InfluxConnection } from './influx-http';
export {
  InfluxDatabaseNotFoundError,
  InfluxQueryError,
  InfluxRejectedError,
  InfluxUnavailableError,
} from './influx-errors';
export { EncodedLines } from './encoded-lines';
export { InfluxLineWriter } from './line-writer';
export type { LineWriterOptions } from './line-writer';
export { influxIdentifier, influxLiteral } from './influxql';
