/// <reference types="mocha" />
// The harness itself: we are in a real VS Code extension host with a workspace open.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

suite('editor harness', () => {
  test('runs inside a real VS Code extension host with the example workspace open', () => {
    assert.match(vscode.version, /^1\.\d+\.\d+/);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, 'one workspace folder');
  });
});
