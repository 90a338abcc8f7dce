/** Injection token of the validated enrichment configuration. */
export const ENRICHMENT_CONFIG = Symbol('pulse.enrichment.config');
