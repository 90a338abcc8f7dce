/** Injection token of the validated ingestion configuration. */
export const INGESTION_CONFIG = Symbol('pulse.ingestion.config');
