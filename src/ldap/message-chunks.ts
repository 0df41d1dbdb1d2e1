// ldapts's MessageParser.read keeps the unfinished tail of what the socket
// delivered as one Buffer and concatenates every further chunk onto it
// (Buffer.concat), whether or not the message can be complete yet. A group
// entry of 40,000 members (1.8 MB) arrives in about 28 chunks of 64 KiB and is
// copied about 28 times over (25 MB, each copy a new buffer outside the heap),
// and the tail of every user page's chunk drags the whole next chunk into a
// copy. Here the chunks of an unfinished message are only collected until its
// length (known from its BER header) has arrived, then joined once, with just
// the bytes that belong to it; what follows goes to ldapts as it arrived.
import { MessageParser } from 'ldapts';

type Read = (this: MessageParser, data: Buffer, details: unknown) => void;
const parserHooks = MessageParser.prototype as unknown as { read: Read };
const read = parserHooks.read;

/** An unfinished message: its chunks so far, their bytes, and the message's whole length. */
interface Unfinished {
  chunks: Buffer[];
  have: number;
  need: number;
}
const unfinished = new WeakMap<MessageParser, Unfinished>();
/** Errors each parser emitted: after one, ldapts drops the rest of what it was given, and so does read below. */
const errors = new WeakMap<MessageParser, { count: number }>();

/**
 * The whole length of the BER element that `buffer` starts with (tag, length
 * and content), or undefined while its length bytes have not all arrived or
 * are of a form ldapts rejects (it then reports it as before).
 */
export function elementLength(buffer: Buffer): number | undefined {
  if (buffer.length < 2) return undefined;
  const first = buffer[1] as number;
  if ((first & 0x80) === 0) return 2 + first;
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4 || buffer.length < 2 + bytes) return undefined;
  let length = 0;
  for (let k = 0; k < bytes; k++) length = length * 256 + (buffer[2 + k] as number);
  return 2 + bytes + length;
}

function errorsOf(parser: MessageParser): { count: number } {
  let seen = errors.get(parser);
  if (!seen) {
    const counter = { count: 0 };
    parser.prependListener('error', () => (counter.count += 1));
    errors.set(parser, counter);
    seen = counter;
  }
  return seen;
}

parserHooks.read = function (data, details) {
  const waiting = unfinished.get(this);
  if (waiting) {
    const missing = waiting.need - waiting.have;
    if (data.length < missing) {
      waiting.chunks.push(data);
      waiting.have += data.length;
      return;
    }
    unfinished.delete(this);
    waiting.chunks.push(data.subarray(0, missing));
    const seen = errorsOf(this);
    const before = seen.count;
    read.call(this, Buffer.concat(waiting.chunks, waiting.need), details);
    if (data.length === missing || seen.count !== before) return;
    data = data.subarray(missing);
  }
  read.call(this, data, details);
  // ldapts leaves an unfinished message in `buffer` (and a nested call for the rest of a chunk may have moved it here already).
  const self = this as unknown as { buffer?: Buffer };
  const rest = self.buffer;
  const need = rest === undefined ? undefined : elementLength(rest);
  if (rest === undefined || need === undefined || rest.length >= need) return;
  delete self.buffer;
  unfinished.set(this, { chunks: [rest], have: rest.length, need });
};
