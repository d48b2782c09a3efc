/** The VS Code snippet syntax helpers the snippet tests rely on (test/support/snippetSyntax.ts) behave like VS Code. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintSnippet, expandSnippet, parseJsonc } from '../support/snippetSyntax';

describe('snippet syntax helpers', () => {
  it('expand tabstops, placeholders, choices, variables and escapes like VS Code', () => {
    const variables = { TM_FILENAME_BASE: 'iris-prod', TM_SELECTED_TEXT: '' };
    assert.equal(expandSnippet('a$1b$0c'), 'abc');
    assert.equal(expandSnippet('${1:x} and $1'), 'x and x');
    assert.equal(expandSnippet('$1 and ${1:x}'), 'x and x');
    assert.equal(expandSnippet('${1|onnx,script|}'), 'onnx');
    assert.equal(expandSnippet('${1|onnx,script|}', { choices: { 1: 1 } }), 'script');
    assert.equal(expandSnippet('${1|a\\,b,c\\|d|}', { choices: { 1: 1 } }), 'c|d');
    assert.equal(expandSnippet('${1:${TM_FILENAME_BASE}}', { variables }), 'iris-prod');
    assert.equal(expandSnippet('$TM_FILENAME_BASE.json', { variables }), 'iris-prod.json');
    assert.equal(expandSnippet('${TM_SELECTED_TEXT:none}', { variables }), 'none');
    assert.equal(expandSnippet('${1:outer ${2:inner}}'), 'outer inner');
    assert.equal(expandSnippet('\\$HOME \\} \\\\ \\n {}'), '$HOME } \\ \\n {}');
    assert.equal(expandSnippet('${1:a \\} b}'), 'a } b');
  });

  it('refuse what would insert something other than intended', () => {
    assert.throws(() => expandSnippet('cost: $ 5'), /starts no tabstop/);
    assert.throws(() => expandSnippet('`${name}`'), /no value|unknown snippet variable/);
    assert.throws(() => expandSnippet('${NOT_A_VARIABLE}'), /unknown snippet variable/);
    assert.throws(() => expandSnippet('${1:open'), /unterminated/);
    assert.throws(() => expandSnippet('${1|a,b}'), /unterminated choice|must end/);
    assert.throws(() => expandSnippet('${1/(.*)/$1/}'), /unsupported/);
    assert.throws(() => lintSnippet('$1 $3'), /without gaps/);
    assert.throws(() => lintSnippet('${1:a} ${1:b}'), /defined twice/);
    assert.throws(() => lintSnippet('${1|only|}'), /two or more/);
  });

  it('parse .code-snippets as JSON with comments', () => {
    assert.deepEqual(parseJsonc('{ // c\n "a": "//x", /* c */ "b": "/*y*/" }'), { a: '//x', b: '/*y*/' });
  });
});
