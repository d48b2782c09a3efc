/**
 * The three sink forms of `inferenceLogger.sink`: parsed, described, and refused with a message
 * that names the forms (or, for Kafka, what is missing).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeSink, parseSink, SINK_FORMS, sinkFormsText, sinkNote, sinkProblem } from '../../src/core/inferenceLog/sinkForms';

describe('sink forms', () => {
  it('http(s) URLs', () => {
    assert.deepEqual(parseSink('https://collector.example.com/inference'), { ok: true, sink: { kind: 'http', url: 'https://collector.example.com/inference' } });
    assert.deepEqual(parseSink('http://message-dumper.default/'), { ok: true, sink: { kind: 'http', url: 'http://message-dumper.default/' } });
    const bad = parseSink('http://');
    assert.equal(bad.ok, false);
  });

  it('kafka://host:port[,host:port]/topic', () => {
    assert.deepEqual(parseSink('kafka://broker:9092/inference-log'), { ok: true, sink: { kind: 'kafka', brokers: ['broker:9092'], topic: 'inference-log' } });
    assert.deepEqual(parseSink('kafka://b1:9092, b2:9093/t.x_y'), { ok: true, sink: { kind: 'kafka', brokers: ['b1:9092', 'b2:9093'], topic: 't.x_y' } });
    assert.deepEqual(parseSink('kafka://[::1]:9092/t'), { ok: true, sink: { kind: 'kafka', brokers: ['[::1]:9092'], topic: 't' } });
  });

  it('kafka without a topic or a port has its own message', () => {
    const noTopic = parseSink('kafka://broker:9092');
    assert.ok(!noTopic.ok && /names no topic/.test(noTopic.message), JSON.stringify(noTopic));
    const noTopic2 = parseSink('kafka://broker:9092/');
    assert.ok(!noTopic2.ok && /names no topic/.test(noTopic2.message));
    const noPort = parseSink('kafka://broker/topic');
    assert.ok(!noPort.ok && /"broker" has no port/.test(noPort.message), JSON.stringify(noPort));
    const noPort2 = parseSink('kafka://b1:9092,b2/topic');
    assert.ok(!noPort2.ok && /"b2" has no port/.test(noPort2.message));
    const badPort = parseSink('kafka://b:99999/t');
    assert.ok(!badPort.ok && /out of range/.test(badPort.message));
    const noBroker = parseSink('kafka:///t');
    assert.ok(!noBroker.ok && /no broker/.test(noBroker.message));
    const badTopic = parseSink('kafka://b:1/a b');
    assert.ok(!badTopic.ok && /not a valid topic name/.test(badTopic.message));
  });

  it('file: a plain path (relative to the workspace folder) or file:///abs', () => {
    assert.deepEqual(parseSink('logs/iris.jsonl'), { ok: true, sink: { kind: 'file', path: 'logs/iris.jsonl', fileUrl: false } });
    assert.deepEqual(parseSink('/var/log/x.jsonl'), { ok: true, sink: { kind: 'file', path: '/var/log/x.jsonl', fileUrl: false } });
    assert.deepEqual(parseSink('file:///var/log/my%20log.jsonl'), { ok: true, sink: { kind: 'file', path: '/var/log/my log.jsonl', fileUrl: true } });
    assert.deepEqual(parseSink('file:///C:/logs/x.jsonl'), { ok: true, sink: { kind: 'file', path: 'C:/logs/x.jsonl', fileUrl: true } });
    assert.equal(parseSink('file://server/share/x').ok, false);
    assert.equal(parseSink('logs/').ok, false);
  });

  it('a sink that matches no form names the three forms', () => {
    for (const s of ['ftp://host/x', 's3://bucket/log', 'kafka:broker:9092/t', 'http:example.com']) {
      const r = parseSink(s);
      assert.ok(!r.ok, s);
      for (const f of SINK_FORMS) assert.ok(r.message.includes(f.example), `${s}: ${r.message}`);
    }
    assert.match(sinkFormsText(), /^file \(logs\/iris\.jsonl\), http\(s\) \(https:\/\/.*\), kafka \(kafka:\/\/broker:9092\/inference-log\)$/);
  });

  it('sinkProblem: nothing for "none" or no sink; a file on KServe is refused', () => {
    assert.equal(sinkProblem(undefined), undefined);
    assert.equal(sinkProblem('ftp://x', { mode: 'none' }), undefined);
    assert.equal(sinkProblem('logs/a.jsonl', { mode: 'all', servingTool: 'local' }), undefined);
    assert.match(sinkProblem('logs/a.jsonl', { mode: 'all', servingTool: 'kserve' })!, /no meaning on KServe/);
    assert.equal(sinkProblem('kafka://b:9092/t', { mode: 'all', servingTool: 'kserve' }), undefined);
    assert.match(sinkProblem('kafka://b/t', { mode: 'request' })!, /no port/);
  });

  it('describes a sink, and notes how KServe reaches Kafka', () => {
    const k = parseSink('kafka://b:9092/t');
    assert.ok(k.ok);
    assert.equal(describeSink(k.sink), 'Kafka topic "t" on b:9092');
    assert.match(sinkNote('kafka://b:9092/t', { mode: 'all', servingTool: 'kserve' }), /KafkaSink[\s\S]*Generate Kafka Logger Manifests/);
    assert.match(sinkNote('logs/x.jsonl', { mode: 'all', servingTool: 'local' }), /tails this file/);
    assert.match(sinkNote('', { mode: 'all' }), /server log/);
    assert.equal(sinkNote('x', { mode: 'none' }), '');
  });
});
