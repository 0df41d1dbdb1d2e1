import winston from 'winston';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The small surface the rest of the code logs through. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const LEVEL_TAGS: Record<string, string> = { debug: 'DBG', info: 'INF', warn: 'WRN', error: 'ERR' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Go's time.Stamp ("Jan _2 15:04:05"), the layout of Pocket ID's text logs, so
// log shippers and health checks written for Pocket ID parse our lines too.
function goStamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, ' ');
  return `${MONTHS[date.getMonth()]} ${day} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

// slog's text handler quotes a value only when it needs it (space, quote, '=' or empty).
function formatValue(value: unknown): string {
  const text = String(value);
  return text === '' || /[\s"=\\]/.test(text) || /[^\x21-\x7e]/.test(text) ? JSON.stringify(text) : text;
}

const RESERVED = new Set(['level', 'message', 'timestamp']);

const textFormat = winston.format.printf((info) => {
  const fields = Object.entries(info)
    .filter(([key, value]) => !RESERVED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const tag = LEVEL_TAGS[info.level] ?? info.level.toUpperCase();
  return [goStamp(new Date()), tag, String(info.message), ...fields].join(' ');
});

// Same keys as Pocket ID's slog JSON handler: time, level (upper case), msg.
const jsonFormat = winston.format.printf((info) => {
  const { level, message, ...rest } = info;
  const record: Record<string, unknown> = { time: new Date().toISOString(), level: level.toUpperCase(), msg: message };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) record[key] = value;
  return JSON.stringify(record);
});

class WinstonLogger implements Logger {
  constructor(private readonly inner: winston.Logger) {}
  debug(message: string, fields?: LogFields): void { this.inner.debug(message, fields); }
  info(message: string, fields?: LogFields): void { this.inner.info(message, fields); }
  warn(message: string, fields?: LogFields): void { this.inner.warn(message, fields); }
  error(message: string, fields?: LogFields): void { this.inner.error(message, fields); }
  child(fields: LogFields): Logger { return new WinstonLogger(this.inner.child(fields)); }
}

/**
 * Logs go to stdout like Pocket ID's, except when a command's own output owns
 * stdout (`sync --dry-run`), where they move to stderr.
 */
export function createLogger(options: { level: LogLevel; json: boolean; stream?: NodeJS.WritableStream }): Logger {
  const transport = new winston.transports.Stream({ stream: options.stream ?? process.stdout });
  return new WinstonLogger(
    winston.createLogger({ level: options.level, format: options.json ? jsonFormat : textFormat, transports: [transport] }),
  );
}
