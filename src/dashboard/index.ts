// The live dashboard's public surface: the state the daemon feeds and the HTTP handler it mounts.
export { dashboardBlockFromSummary } from "./blockFromSummary.ts";
export {
  createDashboardHandler,
  type DashboardHandler,
  type DashboardHandlerOpts,
  dashboardRouteHandler,
  dashboardRoutes,
  defaultDashboardHandlerOpts,
} from "./dashboardHandler.ts";
export {
  type DashboardBlock,
  type DashboardBlockInput,
  type DashboardGpu,
  type DashboardListener,
  type DashboardSnapshot,
  DashboardState,
  type DashboardStateOpts,
  defaultDashboardStateOpts,
  type TimePoint,
} from "./dashboardState.ts";
export { dashboardGpuFromSample, fleetMetricsWithDashboard } from "./fleetBridge.ts";
