export {
  CLIENT_CLOSED_REQUEST,
  NO_OPERATION,
  ServerMetrics,
  type ApiMetrics,
  type QueryStats,
  type ServerMetricsOptions,
} from './server-metrics.ts';
export {
  METRICS_PATH,
  startAdminServer,
  type AdminServer,
  type ListenAddress,
  type MetricsSource,
} from './admin-server.ts';
