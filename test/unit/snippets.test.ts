/**
 * The snippets the extension contributes (media/snippets/*.code-snippets): every snippet is expanded
 * the way VS Code inserts it with its defaults (and with each other choice), and what comes out is
 * checked by the same code that will read it: the registry's model.json validation, the deployment
 * validation, the server's tensor decoders and the KServe CRD schema. The script templates have
 * their own files (pythonTemplates.test.ts, typescriptTemplates.test.ts).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import deploymentSchema from '../../schemas/deployment.schema.json';
import { DEPLOYMENT_DEFAULTS } from '../../src/core/deployment/deploymentSpec';
import { validateDeployment } from '../../src/core/deployment/validateDeployment';
import { validateModelMetadata } from '../../src/core/registry/modelMetadata';
import { decodeJsonInput } from '../../server/tensor/jsonCodec';
import { DATATYPES } from '../../server/tensor/types';
import { decodeV1Request } from '../../server/tensor/v1Codec';
import { strictCrdSchema } from '../support/kserveCrd';
import { assertOip } from '../support/openApi';
import { REPO_ROOT } from '../support/serverProcess';
import { SNIPPETS_DIR, SNIPPET_FILES, EXPECTED_CONTRIBUTION, parseSnippet, lintSnippet, collect, expandSnippet, expansions, snippetVariables, type SnippetDefinition, loadSnippetFile, bodyText, prefixes, snippet } from '../support/snippetSyntax';

describe('snippet files', () => {
  for (const [file, scopes] of Object.entries(SNIPPET_FILES)) {
    it(`${file} parses and every snippet has prefix, body, description and the ${scopes.join(' / ')} scope`, () => {
      const snippets = loadSnippetFile(file);
      const names = Object.keys(snippets);
      assert.ok(names.length > 0, `${file} has no snippets`);
      const seen = new Set<string>();
      for (const [name, s] of Object.entries(snippets)) {
        const where = `${file} "${name}"`;
        const keys = Object.keys(s).filter((k) => !['prefix', 'body', 'description', 'scope', 'isFileTemplate'].includes(k));
        assert.deepEqual(keys, [], `${where} has unknown keys`);
        assert.ok(prefixes(s).length > 0 && prefixes(s).every((p) => typeof p === 'string' && /^\S+$/.test(p)), `${where}: prefix`);
        assert.ok(
          typeof s.body === 'string' || (Array.isArray(s.body) && s.body.length > 0 && s.body.every((l) => typeof l === 'string')),
          `${where}: body must be a string or an array of lines`,
        );
        assert.ok(typeof s.description === 'string' && s.description.trim().length > 10, `${where}: description`);
        assert.ok(scopes.includes(s.scope), `${where}: scope ${JSON.stringify(s.scope)} should be one of ${scopes.join(' / ')}`);
        assert.ok(s.isFileTemplate === undefined || typeof s.isFileTemplate === 'boolean', `${where}: isFileTemplate`);
        for (const p of prefixes(s)) {
          const key = `${s.scope} ${p}`;
          assert.ok(!seen.has(key), `${where}: prefix ${p} is used twice in scope ${s.scope}`);
          seen.add(key);
        }
        assert.doesNotThrow(() => lintSnippet(bodyText(s)), `${where}: body`);
      }
    });
  }

  it('package.json contributes exactly these snippet files, scoped by each snippet', (t) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes?: { snippets?: unknown } };
    if (pkg.contributes?.snippets === undefined) {
      t.skip('package.json has no contributes.snippets yet');
      return;
    }
    const byPath = (list: unknown): unknown => (Array.isArray(list) ? [...list].sort((a, b) => String(a?.path).localeCompare(String(b?.path))) : list);
    assert.deepEqual(byPath(pkg.contributes.snippets), byPath(EXPECTED_CONTRIBUTION));
    for (const entry of EXPECTED_CONTRIBUTION) assert.ok(fs.existsSync(path.join(REPO_ROOT, entry.path)), entry.path);
  });

  it('media/snippets holds only the contributed files', () => {
    assert.deepEqual(fs.readdirSync(SNIPPETS_DIR).sort(), Object.keys(SNIPPET_FILES).sort());
  });
});

// ---------------------------------------------------------------------------------------------
// JSON snippets.
// ---------------------------------------------------------------------------------------------

describe('JSON snippets', () => {
  const deploymentVars = snippetVariables('/ws/.modeldeck/deployments/iris-prod.json');

  it('every JSON snippet expands to valid JSON, with each choice too', () => {
    for (const [name, s] of Object.entries(loadSnippetFile('json.code-snippets'))) {
      for (const { label, text } of expansions(bodyText(s), deploymentVars)) {
        assert.doesNotThrow(() => JSON.parse(text), `${name} (${label}) is not JSON:\n${text}`);
      }
    }
  });

  it('model.json validates with the registry, has every documented key and a decodable input_example', () => {
    const s = snippet('json.code-snippets', 'modeldeck-model-json');
    const variableSets = [
      snippetVariables('/reg/iris/3/model.json'),
      snippetVariables('/reg/iris/3/model.json', new Date(2026, 0, 2, 3, 4, 5), 420),
      snippetVariables('/reg/iris/3/model.json', new Date(2026, 0, 2, 3, 4, 5), -330),
    ];
    for (const variables of variableSets) {
      for (const { label, text } of expansions(bodyText(s), variables)) {
        const json = JSON.parse(text) as Record<string, unknown>;
        assert.doesNotThrow(() => validateModelMetadata(json, `model.json snippet (${label})`), label);
      }
    }
    const meta = validateModelMetadata(JSON.parse(expandSnippet(bodyText(s), { variables: variableSets[1] })));
    assert.deepEqual(Object.keys(meta).sort(), ['created', 'description', 'framework', 'input_example', 'labels', 'metrics', 'tags']);
    assert.equal(meta.created, '2026-01-02T03:04:05-07:00');
    assert.ok(Object.values(meta.metrics ?? {}).length > 0);
    meta.input_example!.inputs.forEach((input, i) => {
      const tensor = decodeJsonInput(input, i);
      assert.deepEqual(tensor.shape, input.shape);
    });
    assertOip('inference_request', meta.input_example);
  });

  it('the deployment snippet validates, holds every key, and every default is the documented default', () => {
    const s = snippet('json.code-snippets', 'modeldeck-deployment');
    for (const { label, text } of expansions(bodyText(s), deploymentVars)) {
      const result = validateDeployment(JSON.parse(text));
      assert.ok(result.ok, `deployment snippet (${label}): ${result.ok ? '' : result.problems.map((p) => p.message).join('; ')}`);
    }
    const raw = JSON.parse(expandSnippet(bodyText(s), { variables: deploymentVars })) as Record<string, unknown>;
    const topLevel = Object.keys(deploymentSchema.properties).filter((k) => k !== '$schema');
    assert.deepEqual(Object.keys(raw).sort(), topLevel.sort(), 'every deployment key');
    assert.equal(raw.name, 'iris-prod', 'the name defaults to the file name, as .modeldeck/deployments/<name>.json expects');
    assert.deepEqual(raw.model, { name: 'iris', version: 'latest' });
    for (const [key, value] of Object.entries(DEPLOYMENT_DEFAULTS)) {
      if (key === 'predictor') continue; // a script path to fill in, needed when modelServer is "script"
      assert.deepEqual(raw[key], value, `${key} is written with its default`);
    }
    const predictor = raw.predictor as Record<string, unknown>;
    assert.deepEqual(Object.keys(predictor).sort(), ['environment', 'script']);
  });

  it('the choices of the deployment snippet are exactly the schema enums', () => {
    const choices = collect(parseSnippet(bodyText(snippet('json.code-snippets', 'modeldeck-deployment'))), 'choice').map((c) => c.options);
    const props = deploymentSchema.properties;
    assert.deepEqual(choices, [
      props.modelServer.enum,
      props.servingTool.enum,
      props.inferenceLogger.properties.mode.enum,
      ['false', 'true'],
      props.resources.properties.executionProviders.items.enum,
      props.protocol.enum,
    ]);
  });

  it('the KServe deployment snippet validates and targets KServe', () => {
    const s = snippet('json.code-snippets', 'modeldeck-deployment-kserve');
    for (const { label, text } of expansions(bodyText(s), deploymentVars)) {
      const result = validateDeployment(JSON.parse(text));
      assert.ok(result.ok, `KServe deployment snippet (${label}): ${result.ok ? '' : result.problems.map((p) => p.message).join('; ')}`);
      assert.equal(result.spec.servingTool, 'kserve');
      assert.ok(result.spec.kserve.storageUri && result.spec.kserve.namespace);
      assert.ok(result.spec.resources.cpu && result.spec.resources.memory);
      assert.equal(typeof result.spec.model.version, 'object');
    }
  });

  for (const prefix of ['oip-v2-infer', 'oip-v2-infer-binary']) {
    it(`${prefix}: every input decodes, the body matches the OIP schema and works as a model.json input_example`, () => {
      const s = snippet('json.code-snippets', prefix);
      const datatypeChoices = collect(parseSnippet(bodyText(s)), 'choice');
      assert.equal(datatypeChoices.length, 1);
      assert.deepEqual([...datatypeChoices[0]!.options].sort(), [...DATATYPES].sort(), 'datatype choices are the OIP datatypes');
      for (const { label, text } of expansions(bodyText(s))) {
        const body = JSON.parse(text) as { inputs: unknown[] };
        assertOip('inference_request', body);
        assert.doesNotThrow(() => validateModelMetadata({ input_example: body }), label);
      }
      const body = JSON.parse(expandSnippet(bodyText(s))) as {
        inputs: { shape: number[] }[];
        outputs: { name: string; parameters?: Record<string, unknown> }[];
        parameters: Record<string, unknown>;
      };
      assert.ok(body.inputs.length > 0);
      body.inputs.forEach((input, i) => {
        const tensor = decodeJsonInput(input, i);
        assert.equal(tensor.datatype, 'FP32');
        assert.deepEqual(tensor.shape, input.shape);
        assert.equal(tensor.data.length, input.shape.reduce((a, b) => a * b, 1));
      });
      assert.ok(body.outputs.length > 0 && body.outputs.every((o) => o.name.length > 0));
      if (prefix === 'oip-v2-infer-binary') {
        assert.equal(body.parameters.binary_data_output, true);
        assert.ok(body.outputs.every((o) => o.parameters?.binary_data === true));
      }
    });
  }

  it('the KServe V1 request decodes as instances for the iris model', () => {
    const body: unknown = JSON.parse(expandSnippet(bodyText(snippet('json.code-snippets', 'kserve-v1-predict'))));
    const [tensor, ...more] = decodeV1Request(body, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    assert.equal(more.length, 0);
    assert.deepEqual(tensor!.shape, [2, 4]);
  });
});

// ---------------------------------------------------------------------------------------------
// YAML snippets against the KServe CRD.
// ---------------------------------------------------------------------------------------------

/** The YAML with every commented-out `key: value` line turned on (e.g. `# nvidia.com/gpu: "1"`). */
function uncommentKeys(yamlText: string): string {
  return yamlText.replace(/^(\s*)# ([A-Za-z0-9_./-]+: .+)$/gm, '$1$2');
}

describe('YAML snippets (KServe InferenceService)', () => {
  let validate: (doc: unknown) => string | undefined;

  before(() => {
    const { schema, keywords } = strictCrdSchema();
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const keyword of keywords) ajv.addKeyword({ keyword });
    const check = ajv.compile(schema);
    validate = (doc) => (check(doc) ? undefined : ajv.errorsText(check.errors, { separator: '\n' }));
  });

  const yamlSnippets = (): [string, SnippetDefinition][] => Object.entries(loadSnippetFile('yaml.code-snippets'));

  it('the strict CRD schema refuses a misspelt key and a bad quantity', () => {
    const text = expandSnippet(bodyText(snippet('yaml.code-snippets', 'kserve-isvc-onnx')));
    assert.match(validate(parseYaml(text.replace('storageUri:', 'storageURI:'))) ?? '', /additional properties/);
    assert.match(validate(parseYaml(text.replace('memory: 2Gi', 'memory: two-gigs'))) ?? '', /pattern/);
  });

  it('every YAML snippet, with each choice and with its commented-out keys turned on, is a valid InferenceService', () => {
    for (const [name, s] of yamlSnippets()) {
      for (const { label, text } of expansions(bodyText(s))) {
        for (const [variant, yamlText] of [['as inserted', text], ['optional keys on', uncommentKeys(text)]] as const) {
          const doc = parseYaml(yamlText, { strict: true, uniqueKeys: true }) as Record<string, unknown>;
          const problems = validate(doc);
          assert.equal(problems, undefined, `${name} (${label}, ${variant}):\n${problems}\n${yamlText}`);
          assert.equal(doc.apiVersion, 'serving.kserve.io/v1beta1');
          assert.equal(doc.kind, 'InferenceService');
          const metadata = doc.metadata as { name: unknown; namespace: unknown };
          assert.match(String(metadata.name), /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'KServe names are DNS-1035 labels');
          const predictor = (doc.spec as { predictor: Record<string, unknown> }).predictor;
          const model = predictor.model as Record<string, unknown>;
          assert.deepEqual(model.modelFormat, { name: 'onnx' });
          assert.ok(['v2', 'grpc-v2'].includes(model.protocolVersion as string));
          assert.match(String(model.storageUri), /^[a-z][a-z0-9+.-]*:\/\//);
          assert.ok((predictor.minReplicas as number) <= (predictor.maxReplicas as number));
        }
      }
    }
  });

  it('the ONNX InferenceService has batcher, logger, resources, and a GPU limit to uncomment', () => {
    const text = expandSnippet(bodyText(snippet('yaml.code-snippets', 'kserve-isvc-onnx')));
    const predictor = (parseYaml(text) as { spec: { predictor: Record<string, any> } }).spec.predictor;
    assert.deepEqual(predictor.batcher, { maxBatchSize: 32, maxLatency: 500 });
    assert.equal(predictor.logger.mode, 'all');
    assert.match(predictor.logger.url, /^https?:\/\//);
    assert.deepEqual(Object.keys(predictor.model.resources).sort(), ['limits', 'requests']);
    assert.equal(predictor.model.resources.limits['nvidia.com/gpu'], undefined, 'no GPU unless asked for');
    const on = (parseYaml(uncommentKeys(text)) as { spec: { predictor: Record<string, any> } }).spec.predictor;
    assert.equal(on.model.resources.limits['nvidia.com/gpu'], '1');
    assert.equal(on.model.runtime, 'kserve-tritonserver');
  });

  it('the transformer InferenceService runs a kserve-container that calls the predictor by its name and protocol', () => {
    const s = snippet('yaml.code-snippets', 'kserve-isvc-onnx-transformer');
    for (const { label, text } of expansions(bodyText(s))) {
      const doc = parseYaml(text) as { metadata: { name: string }; spec: Record<string, any> };
      const containers = doc.spec.transformer.containers as Record<string, any>[];
      assert.equal(containers.length, 1, label);
      const [container] = containers;
      assert.equal(container!.name, 'kserve-container');
      assert.ok(container!.image, 'image');
      const args = container!.args as string[];
      assert.equal(args[args.indexOf('--model_name') + 1], doc.metadata.name);
      assert.equal(args[args.indexOf('--protocol') + 1], doc.spec.predictor.model.protocolVersion);
      const env = Object.fromEntries((container!.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      assert.equal(env.MODEL_NAME, doc.metadata.name);
    }
  });
});
