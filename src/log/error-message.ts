/**
 * Anything thrown, as one message for logs and error text. Node reports a
 * refused connection to a name with several addresses as an AggregateError
 * with an empty message: its inner messages are used instead.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return [...new Set(error.errors.map((e) => errorMessage(e)))].join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
