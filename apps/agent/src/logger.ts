import { pino } from 'pino';

/** The agent's structured log: one JSON object a line on stdout (journald keeps it). */
export type Logger = pino.Logger;

/** A pino logger with ISO times and the agent's name; `destination` is for tests. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'phoenix-volumes-agent',
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
