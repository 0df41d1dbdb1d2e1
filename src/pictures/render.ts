// Pocket ID's profile picture (utils/image/profile_picture.go): decoded with
// EXIF orientation applied (imageorient), filled to 300x300 around the centre
// with Lanczos (imaging.Fill), encoded as PNG. sharp (libvips) does the same
// steps; the pixels are close, never byte-identical.
import sharp, { type SharpOptions } from 'sharp';
import { PictureError } from './source.js';
import { errorMessage } from '../log/error-message.js';

export const PICTURE_SIZE = 300;

/** What Pocket ID decodes, less BMP, which libvips as shipped with sharp cannot read. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'gif', 'webp', 'tiff']);

/** Decoding bombs: a 300x300 avatar never needs more than this many source pixels. */
const MAX_INPUT_PIXELS = 100_000_000;

// A daemon renders each picture once: libvips' operation cache would only hold memory.
sharp.cache(false);

/**
 * The 300x300 PNG for an image file's bytes. Throws PictureError for anything
 * that is not a complete image of an accepted format.
 */
export async function renderProfilePicture(bytes: Buffer): Promise<Buffer> {
  if (bytes.length === 0) throw new PictureError('the picture is empty');
  // failOn 'error': truncated or corrupt pixel data fails, as in Go's decoders; benign warnings do not.
  const options: SharpOptions = { autoOrient: true, failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS, pages: 1 };
  let format: string | undefined;
  try {
    format = (await sharp(bytes, options).metadata()).format;
  } catch (error) {
    if (bytes.length >= 2 && bytes.toString('latin1', 0, 2) === 'BM') {
      throw new PictureError('BMP pictures are not supported by this daemon (Pocket ID reads them); store JPEG or PNG', { cause: error });
    }
    throw new PictureError(`not an image: ${reason(error)}`, { cause: error });
  }
  if (format === undefined || !ACCEPTED_FORMATS.has(format)) {
    throw new PictureError(`unsupported image format ${format ?? 'unknown'} (accepted: JPEG, PNG, GIF, WebP, TIFF)`);
  }
  try {
    return await sharp(bytes, options)
      .resize(PICTURE_SIZE, PICTURE_SIZE, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      // 8-bit sRGB (with alpha when the source has it), like Go's NRGBA: no 16-bit, CMYK or grey PNGs.
      .toColourspace('srgb')
      .png()
      .toBuffer();
  } catch (error) {
    throw new PictureError(`cannot decode the ${format} image: ${reason(error)}`, { cause: error });
  }
}

function reason(error: unknown): string {
  return errorMessage(error).split('\n')[0] ?? '';
}
