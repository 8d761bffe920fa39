import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paragraphs, sentences } from '../../src/engine/segment';

// Sentences where a reader of each language ends them, with offsets exact to the UTF-16 unit.

function split(text: string, language: string): string[] {
  const spans = sentences(text, 0, text.length, language);
  for (const span of spans) assert.equal(text.slice(span.start, span.end), span.text, `${language}: offsets of "${span.text}"`);
  return spans.map((span) => span.text);
}

const CASES: Array<[string, string, string[]]> = [
  ['ja', '東京は晴れです。大阪は雨です！本当？はい．次の文', ['東京は晴れです。', '大阪は雨です！', '本当？', 'はい．', '次の文']],
  ['zh', '我喜欢北京。你呢？很好！', ['我喜欢北京。', '你呢？', '很好！']],
  ['hi', 'यह एक वाक्य है। यह दूसरा है॥ तीसरा', ['यह एक वाक्य है।', 'यह दूसरा है॥', 'तीसरा']],
  ['ar', 'هل أنت بخير؟ نعم أنا بخير. شكرا', ['هل أنت بخير؟', 'نعم أنا بخير.', 'شكرا']],
  ['ur', 'یہ ایک جملہ ہے۔ یہ دوسرا ہے', ['یہ ایک جملہ ہے۔', 'یہ دوسرا ہے']],
  ['hy', 'Սա նախադասություն է։ Սա երկրորդն է', ['Սա նախադասություն է։', 'Սա երկրորդն է']],
  ['am', 'ይህ ዓረፍተ ነገር ነው። ይህ ሁለተኛው ነው', ['ይህ ዓረፍተ ነገር ነው።', 'ይህ ሁለተኛው ነው']],
  ['my', 'ဒါဟာ စာကြောင်းပါ။ ဒုတိယ', ['ဒါဟာ စာကြောင်းပါ။', 'ဒုတိယ']],
  ['el', 'Τι κάνεις; Καλά.', ['Τι κάνεις;', 'Καλά.']],
  ['ko', '서울은 큽니다. 부산도 큽니다.', ['서울은 큽니다.', '부산도 큽니다.']],
];

test('each script ends its sentences at its own terminators', () => {
  for (const [language, text, expected] of CASES) assert.deepEqual(split(text, language), expected, language);
});

test("Japanese: a quotation's full stop inside 「」 does not end the sentence that goes on after it", () => {
  assert.deepEqual(split('彼は「行きます！」と答えた。次の文です。', 'ja'), ['彼は「行きます！」と答えた。', '次の文です。']);
  assert.deepEqual(split('「こんにちは。」と彼は言った。', 'ja'), ['「こんにちは。」と彼は言った。']);
  // A closing quote followed by a new sentence after a space still ends it.
  assert.deepEqual(split('He said "Stop!" Then he left.', 'en'), ['He said "Stop!"', 'Then he left.']);
});

test('German and the other ordinal-dot languages: "am 3. Mai" is one sentence; CLDR abbreviations hold', () => {
  assert.deepEqual(split('Er kam am 3. Mai. Dann ging er.', 'de'), ['Er kam am 3. Mai.', 'Dann ging er.']);
  assert.deepEqual(split('Přijel 3. května. Pak odešel.', 'cs'), ['Přijel 3. května.', 'Pak odešel.']);
  assert.deepEqual(split('Das Ergebnis war 3. Dann ging er.', 'de'), ['Das Ergebnis war 3.', 'Dann ging er.']);
  assert.deepEqual(split('Er kam z. B. heute. Dann ging er.', 'de'), ['Er kam z. B. heute.', 'Dann ging er.']);
  // English keeps its own rules: "May" after a number is no month there.
  assert.deepEqual(split('He scored 3. May was next.', 'en'), ['He scored 3.', 'May was next.']);
});

test('paragraphs and sentences of mixed scripts with emoji, CRLF and surrogate pairs keep exact UTF-16 offsets', () => {
  const text = '𠮷野家で食べた。😀美味しい！\r\n\r\nDas ist gut. 𝒜lles klar?\r\n\r\nمرحبا؟ نعم.';
  const result = paragraphs(text, 'ja');
  assert.deepEqual(result.map((p) => p.sentences.map((s) => s.text)), [['𠮷野家で食べた。', '😀美味しい！'], ['Das ist gut.', '𝒜lles klar?'], ['مرحبا؟', 'نعم.']]);
  for (const p of result) for (const s of p.sentences) assert.equal(text.slice(s.start, s.end), s.text);
});
