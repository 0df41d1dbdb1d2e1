// Pocket ID v2.14.0 backend/internal/dto/validations.go (validateUsernameRegex) and
// the `required,username,min=1,max=50` tag on UserCreateDto.Username.
import { runeCount } from '../text/go-text.js';

export const USERNAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$/;

/** Whether Pocket ID accepts `s` (already NFC-normalised) as a username. */
export function isValidUsername(s: string): boolean {
  const length = runeCount(s);
  return length >= 1 && length <= 50 && USERNAME_PATTERN.test(s);
}
