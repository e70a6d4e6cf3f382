import { fail, type Result } from "../errors.ts";

/**
 * Refuses text PostgreSQL cannot take, before anything parses or sends it: a NUL character (the
 * wire protocol ends strings at NUL, and the parser would judge only the part before it) and an
 * unpaired UTF-16 surrogate (not Unicode: encoding it to UTF-8 would silently replace it).
 * `what` names the input in the message ("the SQL", "the question").
 */
export function checkInputText(text: string, what: string): Result<never> | undefined {
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    return fail(
      "INVALID_INPUT",
      `Cannot read ${what}: it contains a NUL character (U+0000) at position ${
        nul + 1
      }, which PostgreSQL cannot take`,
      { reason: "nul_character", position: nul + 1 },
    );
  }
  if (!text.isWellFormed()) {
    // With the u flag a pair is one code point: \p{Cs} matches only an unpaired surrogate.
    const at = text.search(/\p{Cs}/u);
    return fail(
      "INVALID_INPUT",
      `Cannot read ${what}: it contains an unpaired UTF-16 surrogate at position ${
        at + 1
      }, which is not Unicode text`,
      { reason: "invalid_unicode", position: at + 1 },
    );
  }
  return undefined;
}
