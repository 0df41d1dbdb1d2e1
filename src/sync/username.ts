// Pocket ID v2.14.0 backend/internal/dto/validations.go (validateUsernameRegex) and
// the `required,username,min=1,max=50` tag on UserCreateDto.Username.
// The length limit (50 runes) is checked with the other field limits in validation.ts.

export const USERNAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9_.@-]*[a-zA-Z0-9])?$/;
