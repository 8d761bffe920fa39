import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeRanges, isCodeLanguage } from '../../src/ui/codeRanges';

/** The text of each range, for readable assertions. */
function parts(text: string, languageId: string): string[] | undefined {
  return codeRanges(text, languageId)?.map(([start, end]) => text.slice(start, end));
}

test('JavaScript and TypeScript: line and block comments, three kinds of quotes, escapes', () => {
  const source = [
    '// Written by Angela Merkel',
    'const city = "Paris \\"centre\\"" + \'Berlin\';',
    '/* Google',
    '   and Mozilla */ const x = `Tokyo ${n}',
    'and Buenos Aires`;',
    'const url = "http://example.com"; // a URL in a string is not a comment',
  ].join('\n');
  assert.deepEqual(parts(source, 'typescript'), [
    ' Written by Angela Merkel',
    'Paris \\"centre\\"',
    'Berlin',
    ' Google\n   and Mozilla ',
    'Tokyo ${n}\nand Buenos Aires',
    'http://example.com',
    ' a URL in a string is not a comment',
  ]);
  assert.deepEqual(codeRanges(source, 'javascriptreact'), codeRanges(source, 'typescript'));
});

test('Python: # comments, triple-quoted docstrings over lines, and a # inside a string', () => {
  const source = ['def f():', '    """Marie Curie', '    lived in Paris."""', "    s = 'a # not a comment'  # Siemens", '    return "x"'].join('\n');
  assert.deepEqual(parts(source, 'python'), ['Marie Curie\n    lived in Paris.', 'a # not a comment', ' Siemens', 'x']);
});

test('C-like languages: character literals open nothing, Rust lifetimes neither', () => {
  assert.deepEqual(parts(`char q = '"'; // Barack Obama\nputs("Tokyo");`, 'c'), [' Barack Obama', 'Tokyo']);
  assert.deepEqual(parts(`fn f<'a>(s: &'a str) -> &'a str { s } // Berlin`, 'rust'), [' Berlin']);
  assert.deepEqual(parts("s := `raw\nParis` // UNESCO", 'go'), ['raw\nParis', ' UNESCO']);
});

test('SQL, Lua and Haskell: -- comments and their block forms', () => {
  assert.deepEqual(parts("SELECT 'Paris' -- Google\n/* Mozilla */", 'sql'), ['Paris', ' Google', ' Mozilla ']);
  assert.deepEqual(parts('--[[ Angela\nMerkel ]] x = "Berlin" -- Tokyo', 'lua'), [' Angela\nMerkel ', 'Berlin', ' Tokyo']);
  assert.deepEqual(parts('{- Marie -} main = putStrLn "Curie" -- Paris', 'haskell'), [' Marie ', 'Curie', ' Paris']);
});

test('shell and YAML: # comments and quotes', () => {
  assert.deepEqual(parts('echo "Angela Merkel" # greet\nname: \'Paris\'', 'shellscript'), ['Angela Merkel', ' greet', 'Paris']);
  assert.deepEqual(parts('city: "Berlin" # capital', 'yaml'), ['Berlin', ' capital']);
});

test('a quote left open ends at its line, so one stray quote never swallows the file', () => {
  assert.deepEqual(parts('x = "Paris\ny = 1 // Berlin', 'javascript'), ['Paris', ' Berlin']);
  assert.deepEqual(parts('x = "Paris\r\n// Berlin', 'javascript'), ['Paris', ' Berlin']);
  assert.deepEqual(parts('/* never closed Tokyo', 'css'), [' never closed Tokyo']);
});

test('HTML: text between tags, comments and attribute values; not tags, scripts or styles', () => {
  const source = '<p title="Angela Merkel">Paris <b>Berlin</b></p><!-- Google --><script>var x = "Tokyo";</script><style>p{}</style>Siemens';
  assert.deepEqual(parts(source, 'html'), ['Angela Merkel', 'Paris ', 'Berlin', ' Google ', 'Siemens']);
});

test('prose and unknown languages are analysed whole', () => {
  for (const languageId of ['markdown', 'plaintext', 'latex', 'some-new-language']) {
    assert.equal(codeRanges('Angela Merkel // in Paris', languageId), undefined, languageId);
    assert.equal(isCodeLanguage(languageId), false);
  }
  assert.equal(isCodeLanguage('python'), true);
});

test('scanning a megabyte of code is fast enough to do after every pause in typing', () => {
  const line = 'const s = "Angela Merkel"; // in Paris with /* Google */ and \'Berlin\'\n';
  const source = line.repeat(Math.ceil(1_000_000 / line.length));
  const started = performance.now();
  const ranges = codeRanges(source, 'typescript') ?? [];
  const elapsed = performance.now() - started;
  assert.equal(ranges.length, 2 * Math.ceil(1_000_000 / line.length));
  assert.ok(elapsed < 500, `${elapsed.toFixed(0)} ms`);
});
