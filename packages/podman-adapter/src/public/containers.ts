// What the entry point exports of ../containers.ts: its other exports are internal (see index.ts).
export {
  COMPOSE_PROJECT_LABEL,
  COMPOSE_SERVICE_LABEL,
  COMPOSE_WORKING_DIR_LABEL,
  type ContainerInfo,
  type ContainerMount,
  type ContainerRunState,
  type ContainerSummary,
  containerInspectSchema,
  HELPER_LABEL,
  isHelperContainer,
  toContainerInfo,
} from '../containers.ts';
