export { ConfigError } from './config-error';
export { atLeastVariable, env, parseDuration, refinedVariable } from './env-var';
export type { Env, EnvVar } from './env-var';
export { loadConfig, loadConfigOrExit, describeConfig } from './load-config';
export type { ConfigSchema, ConfigOf } from './load-config';
export { serviceSchema, kafkaSchema, influxSchema, influxReadSchema } from './common-schemas';
export {
  findCredential,
  hashedCredentialsVar,
  matchCredential,
  parseHashedCredentials,
  sha256,
} from './hashed-credentials';
export type { HashedCredential } from './hashed-credentials';
