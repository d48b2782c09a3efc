/**
 * The TypeScript/JavaScript "New from template" files and their snippets: the snippet inserts exactly
 * the template, they type-check strictly, the JavaScript variants are the TypeScript ones without
 * types, and the scripts run the iris model with onnxruntime-node.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { REPO_ROOT } from '../support/serverProcess';
import { TEMPLATES_DIR, JS_CONTRACT, IRIS_ROWS, expandSnippet, bodyText, snippet, readTemplate, commentText, useScratchDir, SERVING_ENV } from '../support/snippetSyntax';

const scratch = useScratchDir();

// ---------------------------------------------------------------------------------------------
// Script templates and their snippets: TypeScript and JavaScript.
// ---------------------------------------------------------------------------------------------

const TS_TEMPLATES: Record<string, string> = { 'modeldeck-predictor': 'predictor.ts', 'modeldeck-transformer': 'transformer.ts' };

/** Tokens of a module, comments, whitespace and trailing commas aside. */
function tokens(source: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, source);
  const out: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) out.push(scanner.getTokenText());
  return out.filter((tok, i) => !(tok === ',' && [')', ']', '}'].includes(out[i + 1] ?? '')));
}

interface PredictorModule {
  Predictor: new () => { predict(inputs: unknown[]): Promise<unknown[]>; modelName: string; deploymentName: string };
}
interface TransformerModule {
  Transformer: new () => {
    preprocess(payload: { instances: unknown[] }): Promise<unknown>;
    postprocess(response: { predictions: unknown[] }): Promise<unknown>;
  };
}

/** Runs `fn` with the serving environment variables set, restoring them afterwards. */
async function withServingEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(SERVING_ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, SERVING_ENV);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('TypeScript and JavaScript templates and snippets', () => {
  let dir: string;
  const jsFile = (prefix: string): string => path.join(dir, `${prefix}.mjs`);
  const tsFile = (prefix: string): string => path.join(dir, `${prefix}.ts`);

  before(() => {
    dir = fs.mkdtempSync(path.join(scratch(), 'ts-'));
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    for (const prefix of Object.keys(TS_TEMPLATES)) {
      fs.writeFileSync(tsFile(prefix), expandSnippet(bodyText(snippet('typescript.code-snippets', prefix, 'typescript'))));
      fs.writeFileSync(jsFile(prefix), expandSnippet(bodyText(snippet('typescript.code-snippets', prefix, 'javascript'))));
    }
  });

  it('each TypeScript snippet inserts exactly its template; every variant documents the contract', () => {
    for (const [prefix, file] of Object.entries(TS_TEMPLATES)) {
      assert.equal(fs.readFileSync(tsFile(prefix), 'utf8'), readTemplate(file), `${prefix} should insert media/templates/${file}`);
      for (const source of [readTemplate(file), fs.readFileSync(jsFile(prefix), 'utf8')]) {
        assert.ok(commentText(source).includes(JS_CONTRACT), `${prefix} documents the contract`);
      }
    }
  });

  it('the templates and the expanded snippets type-check (strict) and the JavaScript ones parse', () => {
    const roots = [
      ...Object.values(TS_TEMPLATES).map((f) => path.join(TEMPLATES_DIR, f)),
      ...Object.keys(TS_TEMPLATES).flatMap((p) => [tsFile(p), jsFile(p)]),
    ];
    const program = ts.createProgram(roots, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
      skipLibCheck: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      allowJs: true,
      checkJs: false,
    });
    const diagnostics = [
      ...program.getOptionsDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...roots.filter((f) => f.endsWith('.ts')).flatMap((f) => program.getSemanticDiagnostics(program.getSourceFile(f))),
    ];
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => REPO_ROOT,
      getNewLine: () => '\n',
    });
    assert.equal(diagnostics.length, 0, text);
    for (const root of roots) assert.ok(program.getSourceFile(root), root);
  });

  it('each JavaScript snippet is its TypeScript template with the types taken out', () => {
    for (const [prefix, file] of Object.entries(TS_TEMPLATES)) {
      const stripped = ts.transpileModule(readTemplate(file), {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      }).outputText;
      assert.deepEqual(tokens(fs.readFileSync(jsFile(prefix), 'utf8')), tokens(stripped), `${prefix} (javascript)`);
    }
  });

  it('the predictor template and snippet run the iris model with onnxruntime-node, one prediction per row', async () => {
    const results: unknown[][] = [];
    for (const module of [path.join(TEMPLATES_DIR, 'predictor.ts'), jsFile('modeldeck-predictor')]) {
      const { Predictor } = (await import(pathToFileURL(module).href)) as PredictorModule;
      const predictions = await withServingEnv(async () => {
        const predictor = new Predictor();
        assert.equal(predictor.modelName, 'iris');
        assert.equal(predictor.deploymentName, 'iris-prod');
        return predictor.predict(IRIS_ROWS);
      });
      assert.equal(predictions.length, IRIS_ROWS.length);
      const rows = predictions as { label: number; probabilities: number[] }[];
      assert.deepEqual(rows.map((r) => r.label), [0, 1, 2]);
      for (const row of rows) {
        assert.equal(row.probabilities.length, 3);
        assert.ok(Math.abs(row.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
        assert.equal(row.probabilities.indexOf(Math.max(...row.probabilities)), row.label);
      }
      results.push(predictions);
    }
    assert.deepEqual(results[0], results[1], 'the TypeScript and JavaScript predictors agree');
  });

  it('the predictor template fails clearly without MODEL_FILES_PATH or a model file', async () => {
    const { Predictor } = (await import(pathToFileURL(path.join(TEMPLATES_DIR, 'predictor.ts')).href)) as PredictorModule;
    const saved = process.env.MODEL_FILES_PATH;
    try {
      delete process.env.MODEL_FILES_PATH;
      assert.throws(() => new Predictor(), /MODEL_FILES_PATH is not set/);
      process.env.MODEL_FILES_PATH = dir;
      assert.throws(() => new Predictor(), /exactly one \.onnx file/);
    } finally {
      if (saved === undefined) delete process.env.MODEL_FILES_PATH;
      else process.env.MODEL_FILES_PATH = saved;
    }
  });

  it('the transformer template and snippet pass the payload and the response through the contract', async () => {
    for (const module of [path.join(TEMPLATES_DIR, 'transformer.ts'), jsFile('modeldeck-transformer')]) {
      const { Transformer } = (await import(pathToFileURL(module).href)) as TransformerModule;
      const transformer = await withServingEnv(async () => new Transformer());
      const payload = { instances: IRIS_ROWS, id: 'r1' };
      assert.deepEqual(await transformer.preprocess(structuredClone(payload)), payload);
      const response = { predictions: [0, 1, 2] };
      assert.deepEqual(await transformer.postprocess(structuredClone(response)), response);
      await assert.rejects(transformer.preprocess({} as { instances: unknown[] }), /"instances"/);
      await assert.rejects(transformer.postprocess({} as { predictions: unknown[] }), /"predictions"/);
    }
  });
});
