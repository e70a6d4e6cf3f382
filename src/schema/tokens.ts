/**
 * A deterministic estimate of the tokens a text costs in an OpenAI-style BPE tokenizer, with no
 * vocabulary to ship. Words of letters cost one token per ~6 characters (common English and SQL
 * words are one token), digits one per 3, and each other symbol one; whitespace is mostly folded
 * into the next token, except line breaks. bench/retrieval_bench.ts compares it with a real
 * tokenizer (o200k) on rendered schemas; it is meant to err on the high side.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const match of text.matchAll(/[A-Za-z]+|[0-9]+|\n+|[^\sA-Za-z0-9]/g)) {
    const piece = match[0];
    const first = piece.charCodeAt(0);
    if (first === 10) tokens += 1;
    else if (first >= 48 && first <= 57) tokens += Math.ceil(piece.length / 3);
    else if (/^[A-Za-z]/.test(piece)) tokens += Math.ceil(piece.length / 6);
    else tokens += 1;
  }
  return tokens;
}
