// What can be said about a PostgreSQL target without connecting (and without loading pg).

/** "postgres 10.0.0.5:5432/pocketid": host and database, never the user's password. */
export function describePostgres(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `postgres ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`;
  } catch {
    return 'postgres (connection string not shown)';
  }
}

/** The password inside the connection string (user:password@ or ?password=), raw and percent-decoded. */
export function postgresSecrets(connectionString: string): string[] {
  try {
    const url = new URL(connectionString);
    return [url.password, url.searchParams.get('password') ?? '', safeDecode(url.password)];
  } catch {
    // An unparsable URL fails at connect time with pg's own message, which does not echo it.
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
