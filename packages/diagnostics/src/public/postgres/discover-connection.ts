// What the entry point exports of ../../postgres/discover-connection.ts: its other exports are internal (see index.ts).
export {
  type ConnectionOverrides,
  type DiscoverOptions,
  discoverPostgres,
  type PostgresConnection,
} from '../../postgres/discover-connection.ts';
