/**
 * Character classes for short texts such as ticket ids, as Unicode defines them. V8 parses a regular expression
 * literal when it is first evaluated, and a `\p{...}` class is built from Unicode's tables then, a cost every cold
 * start that meets one pays. Plain ASCII text, nearly every ticket id, is judged with ASCII classes that hold exactly
 * the ASCII characters of the Unicode ones (test/unit/domain/text-classes.test.ts checks all 128), so the Unicode
 * classes are built only for text that needs them.
 */

/** The two classes a ticket id is judged with. */
export interface TextClasses {
  /**
   * Characters that show nothing: format characters (Cf: zero-width space, word joiner, byte order mark ...),
   * default-ignorable code points (Hangul fillers, which are letters to Unicode, variation selectors ...), the
   * Braille blank, and every space but the plain one.
   */
  invisible: RegExp;
  /** Letters (L) and digits (N) of any script. */
  letterOrDigit: RegExp;
}

/** The Unicode classes; a function, so that their literals are evaluated only when non-ASCII text needs them. */
export const unicodeTextClasses = (): TextClasses => ({
  invisible: /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]|(?! )\p{White_Space}/u,
  letterOrDigit: /[\p{L}\p{N}]/u,
});

/** The same classes within ASCII: tab, line feed, vertical tab, form feed and carriage return; A-Z, a-z, 0-9. */
export const ASCII_TEXT_CLASSES: TextClasses = {
  invisible: /[\t\n\v\f\r]/,
  letterOrDigit: /[A-Za-z0-9]/,
};

let unicode: TextClasses | undefined;

/**
 * The classes that judge `text`: the ASCII ones when every character of it is ASCII, else the Unicode ones.
 * @example textClassesFor("NET-42").letterOrDigit.test("NET-42") // true
 */
export function textClassesFor(text: string): TextClasses {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range is what this test is about.
  if (/^[\x00-\x7f]*$/.test(text)) return ASCII_TEXT_CLASSES;
  unicode ??= unicodeTextClasses();
  return unicode;
}
