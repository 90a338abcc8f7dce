/**
 * InfluxDB measurement, tag and field names (docs/metrics-schema.md). Reporting and the Grafana
 * dashboards query these names; change them only together with those.
 */
export const MEASUREMENT = {
  activity: 'activity',
  revenue: 'revenue',
  productSales: 'product_sales',
  lateActivity: 'late_activity',
  lateRevenue: 'late_revenue',
  pipeline: 'pipeline',
  progress: 'progress',
  consumerLag: 'consumer_lag',
  deadLetter: 'dead_letter',
} as const;
