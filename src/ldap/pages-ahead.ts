/**
 * The pages of a paged search, each asked for as soon as the one before it
 * arrives. ldapts sends the request for the next page only when the caller
 * takes it, so the server idled while the sync worked through a page (500
 * users, or a few hundred thousand member values) and the sync idled while
 * the server built the next one; asked for one page ahead, the two overlap.
 * At most two pages are held at once.
 */
export async function* pagesAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const page = await next;
      if (page.done) return;
      next = iterator.next();
      // A page asked for ahead that fails is reported when it is awaited; a caller that stopped earlier never awaits it.
      next.catch(() => undefined);
      yield page.value;
    }
  } finally {
    // As for-await does when its loop ends early: the search is not continued.
    await iterator.return?.().catch(() => undefined);
  }
}
