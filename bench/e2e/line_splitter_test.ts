import assert from "node:assert/strict";
import { LineSplitter } from "./line_splitter.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function feed(chunks: string[]): string[] {
  const s = new LineSplitter();
  return chunks.flatMap((c) => s.push(enc.encode(c)).map((l) => dec.decode(l)));
}

Deno.test("LineSplitter.push() returns whole lines whatever the chunk boundaries", () => {
  const text = '{"a":1}\n{"b":"x y"}\n\n{"c":[1,2,3]}\n';
  const expected = ['{"a":1}', '{"b":"x y"}', "", '{"c":[1,2,3]}'];
  for (let size = 1; size <= text.length; size++) {
    const chunks = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    assert.deepEqual(feed(chunks), expected, `chunks of ${size}`);
  }
});

Deno.test("LineSplitter holds an unterminated line until its newline arrives", () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push(enc.encode("abc")), []);
  assert.equal(s.pending, 3);
  assert.deepEqual(s.push(enc.encode("de")).length, 0);
  assert.deepEqual(s.push(enc.encode("f\ng")).map((l) => dec.decode(l)), ["abcdef"]);
  assert.equal(s.pending, 1);
});

Deno.test("LineSplitter copies held bytes, so a reused read buffer cannot corrupt a line", () => {
  const s = new LineSplitter();
  const buf = enc.encode("hello");
  s.push(buf);
  buf.fill(0);
  assert.deepEqual(s.push(enc.encode("!\n")).map((l) => dec.decode(l)), ["hello!"]);
});
