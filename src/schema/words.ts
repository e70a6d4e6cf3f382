/**
 * Words of identifiers and questions, for schema retrieval and value linking: identifier
 * splitting, accent folding, a light English stemmer and stop words.
 */

const STOP_WORDS = new Set(
  (
    "a an the of in on at to for from by with without into onto over under about as and or not " +
    "no nor but if then than so is are was were be been being am do does did done has have had " +
    "having can could should would will shall may might must what which who whom whose when " +
    "where why how many much all any each every some that this these those there here it its " +
    "they them their theirs we us our you your i me my he she his her him show list give find " +
    "return display tell get also more most less least please only just both either neither " +
    "other others same such per via whether up down out off again further once very too"
  ).split(" "),
);

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Lower-cased, accents and other marks dropped (NFKD): "São Paulo" → "sao paulo". */
export function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
}

/** Light English stemming: plural and possessive endings, enough to match `orders` to `order`. */
export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("ss") || word.endsWith("us") || word.endsWith("is")) return word;
  if (word.endsWith("s")) return word.slice(0, -1);
  return word;
}

/**
 * The raw words of an identifier or a sentence, folded: split at anything but letters and
 * digits, between camelCase humps (`customerID` → customer, id), acronyms (`HTTPServer` → http,
 * server) and between letters and digits (`addr2` → addr, 2). A run of lower-case letters
 * (`posthistorytypeid`, as PostgreSQL folds unquoted names) stays one word here: the retrieval
 * index looks inside such compounds.
 */
export function splitWords(text: string): string[] {
  const spaced = text
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu}+)(\p{Lu}\p{Ll})/gu, "$1 $2")
    .replace(/(\p{L})(\p{N})|(\p{N})(\p{L})/gu, "$1$3 $2$4");
  return fold(spaced).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** Stemmed words without stop words: what a question or a name is matched on. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(text)) {
    if (!STOP_WORDS.has(word)) out.push(stem(word));
  }
  return out;
}

/**
 * The words of a question, folded, without stop words; a token mixing letters and digits is
 * kept whole as well as split (`Q1` → q1, q, 1), to meet a column named `q1` or `enroll12`.
 */
export function questionWords(text: string): string[] {
  const out: string[] = [];
  for (const token of fold(text).split(/[^\p{L}\p{N}]+/u)) {
    if (/\p{L}/u.test(token) && /\p{N}/u.test(token)) out.push(token);
  }
  for (const word of splitWords(text)) {
    if (!STOP_WORDS.has(word)) out.push(word);
  }
  return out;
}

/**
 * Splits a run-together word into known words (`posthistorytypeid` → post, history, type, id),
 * the fewest pieces first, then the most even; undefined when it cannot be split completely.
 * Pieces are at least 3 letters long unless `isWord` accepts them as short words (`id`, `no`);
 * trailing digits are a piece of their own.
 */
export function segment(word: string, isWord: (piece: string) => boolean): string[] | undefined {
  const n = word.length;
  if (n < 5 || n > 64) return undefined;
  // best[i]: the best split of word.slice(0, i): [pieces, shortest piece].
  const best: ([string[], number] | undefined)[] = new Array(n + 1);
  best[0] = [[], Infinity];
  for (let end = 1; end <= n; end++) {
    for (let start = 0; start < end; start++) {
      const before = best[start];
      if (!before) continue;
      const piece = word.slice(start, end);
      const digits = /^\d+$/.test(piece) && end === n;
      if (!digits && !isWord(piece)) continue;
      const pieces = [...before[0], piece];
      const shortest = Math.min(before[1], piece.length);
      const current = best[end];
      if (
        !current || pieces.length < current[0].length ||
        (pieces.length === current[0].length && shortest > current[1])
      ) best[end] = [pieces, shortest];
    }
  }
  const found = best[n];
  return found && found[0].length > 1 ? found[0] : undefined;
}
