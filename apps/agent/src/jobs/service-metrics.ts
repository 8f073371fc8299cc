import { type DoctorContext, type ServiceState, serviceState } from '@phoenix-hydra/diagnostics';
import type { AgentMetrics } from '../metrics/agent-metrics.ts';

/**
 * Exports each service's state as phoenix_container_up{service} and phoenix_container_restarts,
 * from the containers the doctor run already inspected (no podman call of its own). The same states as
 * `status --json`; an alert fires on phoenix_container_up == 0 for 5 minutes.
 */
export async function exportServiceStates(
  doctor: DoctorContext,
  metrics: AgentMetrics,
): Promise<ServiceState[]> {
  const now = doctor.settings.now().getTime();
  const states = (await doctor.services()).map((s) => serviceState(s, now));
  const project = doctor.stack.project;
  for (const s of states) {
    metrics.containerUp.set({ project, service: s.service }, s.up ? 1 : 0);
    metrics.containerRestarts.set({ project, service: s.service }, s.restartCount);
  }
  return states;
}
