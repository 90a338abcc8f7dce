/** The validated configuration (`AlertConfig`), for providers that need its values. */
export const ALERT_CONFIG = Symbol('pulse.alert-config');
