// JSON.stringify(value, null, 2), written piece by piece: the dry-run plan of a
// large directory holds millions of rows, and one string of all of them can
// exceed what V8 allows in a string (about 512 MiB) or in a call's arguments.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The text JSON.stringify(value, null, 2) would produce, as a sequence of pieces. */
export function* jsonPieces(value: unknown, indent = ''): Generator<string> {
  const plain = toPlain(value);
  if (plain === undefined) return;
  if (plain === null || typeof plain !== 'object') {
    yield JSON.stringify(plain);
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(plain)) {
    if (plain.length === 0) return yield '[]';
    yield '[';
    // One row of a plan is small: the native stringify, re-indented, is many times faster than recursing.
    for (let i = 0; i < plain.length; i++) {
      const element = JSON.stringify(plain[i], null, 2) as string | undefined;
      yield `${i === 0 ? '' : ','}\n${inner}${element === undefined ? 'null' : element.replaceAll('\n', `\n${inner}`)}`;
    }
    return yield `\n${indent}]`;
  }
  const entries = Object.entries(plain).filter(([, v]) => toPlain(v) !== undefined && typeof v !== 'function');
  if (entries.length === 0) return yield '{}';
  yield '{';
  let first = true;
  for (const [key, v] of entries) {
    yield `${first ? '' : ','}\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonPieces(v, inner);
  }
  yield `\n${indent}}`;
}

/** What JSON.stringify would look at: the result of toJSON() when there is one. */
function toPlain(value: unknown): Json | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(): Json }).toJSON();
  }
  return value as Json | undefined;
}

/** Writes `value` as indented JSON and a newline, in chunks of about 1 MiB, waiting when the stream is full. */
export async function writeJson(value: unknown, stream: NodeJS.WritableStream): Promise<void> {
  let buffer = '';
  const flush = async () => {
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', resolve));
  };
  for (const piece of jsonPieces(value)) {
    buffer += piece;
    if (buffer.length >= 1 << 20) await flush();
  }
  buffer += '\n';
  await flush();
}
