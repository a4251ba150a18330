/**
 * The restricted unpickler: the same object pickled by CPython 3.11 with protocols 0-5 (bytes
 * below, made by the snippet in PICKLES' comment) decodes to the same JavaScript value; globals
 * outside the whitelist are recorded, never executed; damaged streams give BAD_PICKLE errors.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CheckpointError } from './errors.js';
import { PickleGlobal, PickleObject, unpickle } from './pickle.js';
import { StorageRef, TensorRef, unpickleTorch } from './torch-pickle.js';

/*
 * import pickle, base64, collections
 * shared = [7]
 * obj = {'int': 1, 'neg': -70000, 'big': 2**70, 'negbig': -(2**64), 'float': 1.5,
 *        'str': 'h\u00e9llo \u65e5', 'bytes': b'\x00\xff', 'list': [1, [2]], 'tuple': (1, 2),
 *        'empty': (), 'none': None, 'true': True, 'false': False, 'set': {3},
 *        'frozen': frozenset([4]), 'ba': bytearray(b'ab'), 'shared': shared, 'shared2': shared,
 *        'od': collections.OrderedDict([('a', 1)]), 3: 'intkey'}
 * for p in range(6): print(base64.b64encode(pickle.dumps(obj, protocol=p)).decode())
 */
const PICKLES = [
  'KGRwMApWaW50CnAxCkkxCnNWbmVnCnAyCkktNzAwMDAKc1ZiaWcKcDMKTDExODA1OTE2MjA3MTc0MTEzMDM0MjRMCnNWbmVnYmlnCnA0CkwtMTg0NDY3NDQwNzM3MDk1NTE2MTZMCnNWZmxvYXQKcDUKRjEuNQpzVnN0cgpwNgpWaOlsbG8gXHU2NWU1CnA3CnNWYnl0ZXMKcDgKY19jb2RlY3MKZW5jb2RlCnA5CihWXHUwMDAw/wpwMTAKVmxhdGluMQpwMTEKdHAxMgpScDEzCnNWbGlzdApwMTQKKGxwMTUKSTEKYShscDE2CkkyCmFhc1Z0dXBsZQpwMTcKKEkxCkkyCnRwMTgKc1ZlbXB0eQpwMTkKKHRzVm5vbmUKcDIwCk5zVnRydWUKcDIxCkkwMQpzVmZhbHNlCnAyMgpJMDAKc1ZzZXQKcDIzCmNfX2J1aWx0aW5fXwpzZXQKcDI0CigobHAyNQpJMwphdHAyNgpScDI3CnNWZnJvemVuCnAyOApjX19idWlsdGluX18KZnJvemVuc2V0CnAyOQooKGxwMzAKSTQKYXRwMzEKUnAzMgpzVmJhCnAzMwpjX19idWlsdGluX18KYnl0ZWFycmF5CnAzNAooZzkKKFZhYgpwMzUKZzExCnRwMzYKUnAzNwp0cDM4ClJwMzkKc1ZzaGFyZWQKcDQwCihscDQxCkk3CmFzVnNoYXJlZDIKcDQyCmc0MQpzVm9kCnA0MwpjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcDQ0Cih0UnA0NQpWYQpwNDYKSTEKc3NJMwpWaW50a2V5CnA0NwpzLg==',
  'fXEAKFgDAAAAaW50cQFLAVgDAAAAbmVncQJKkO7+/1gDAAAAYmlncQNMMTE4MDU5MTYyMDcxNzQxMTMwMzQyNEwKWAYAAABuZWdiaWdxBEwtMTg0NDY3NDQwNzM3MDk1NTE2MTZMClgFAAAAZmxvYXRxBUc/+AAAAAAAAFgDAAAAc3RycQZYCgAAAGjDqWxsbyDml6VxB1gFAAAAYnl0ZXNxCGNfY29kZWNzCmVuY29kZQpxCShYAwAAAADDv3EKWAYAAABsYXRpbjFxC3RxDFJxDVgEAAAAbGlzdHEOXXEPKEsBXXEQSwJhZVgFAAAAdHVwbGVxEShLAUsCdHESWAUAAABlbXB0eXETKVgEAAAAbm9uZXEUTlgEAAAAdHJ1ZXEVSTAxClgFAAAAZmFsc2VxFkkwMApYAwAAAHNldHEXY19fYnVpbHRpbl9fCnNldApxGChdcRlLA2F0cRpScRtYBgAAAGZyb3plbnEcY19fYnVpbHRpbl9fCmZyb3plbnNldApxHShdcR5LBGF0cR9ScSBYAgAAAGJhcSFjX19idWlsdGluX18KYnl0ZWFycmF5CnEiKGgJKFgCAAAAYWJxI2gLdHEkUnEldHEmUnEnWAYAAABzaGFyZWRxKF1xKUsHYVgHAAAAc2hhcmVkMnEqaClYAgAAAG9kcStjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcSwpUnEtWAEAAABhcS5LAXNLA1gGAAAAaW50a2V5cS91Lg==',
  'gAJ9cQAoWAMAAABpbnRxAUsBWAMAAABuZWdxAkqQ7v7/WAMAAABiaWdxA4oJAAAAAAAAAABAWAYAAABuZWdiaWdxBIoJAAAAAAAAAAD/WAUAAABmbG9hdHEFRz/4AAAAAAAAWAMAAABzdHJxBlgKAAAAaMOpbGxvIOaXpXEHWAUAAABieXRlc3EIY19jb2RlY3MKZW5jb2RlCnEJWAMAAAAAw79xClgGAAAAbGF0aW4xcQuGcQxScQ1YBAAAAGxpc3RxDl1xDyhLAV1xEEsCYWVYBQAAAHR1cGxlcRFLAUsChnESWAUAAABlbXB0eXETKVgEAAAAbm9uZXEUTlgEAAAAdHJ1ZXEViFgFAAAAZmFsc2VxFolYAwAAAHNldHEXY19fYnVpbHRpbl9fCnNldApxGF1xGUsDYYVxGlJxG1gGAAAAZnJvemVucRxjX19idWlsdGluX18KZnJvemVuc2V0CnEdXXEeSwRhhXEfUnEgWAIAAABiYXEhY19fYnVpbHRpbl9fCmJ5dGVhcnJheQpxImgJWAIAAABhYnEjaAuGcSRScSWFcSZScSdYBgAAAHNoYXJlZHEoXXEpSwdhWAcAAABzaGFyZWQycSpoKVgCAAAAb2RxK2Njb2xsZWN0aW9ucwpPcmRlcmVkRGljdApxLClScS1YAQAAAGFxLksBc0sDWAYAAABpbnRrZXlxL3Uu',
  'gAN9cQAoWAMAAABpbnRxAUsBWAMAAABuZWdxAkqQ7v7/WAMAAABiaWdxA4oJAAAAAAAAAABAWAYAAABuZWdiaWdxBIoJAAAAAAAAAAD/WAUAAABmbG9hdHEFRz/4AAAAAAAAWAMAAABzdHJxBlgKAAAAaMOpbGxvIOaXpXEHWAUAAABieXRlc3EIQwIA/3EJWAQAAABsaXN0cQpdcQsoSwFdcQxLAmFlWAUAAAB0dXBsZXENSwFLAoZxDlgFAAAAZW1wdHlxDylYBAAAAG5vbmVxEE5YBAAAAHRydWVxEYhYBQAAAGZhbHNlcRKJWAMAAABzZXRxE2NidWlsdGlucwpzZXQKcRRdcRVLA2GFcRZScRdYBgAAAGZyb3plbnEYY2J1aWx0aW5zCmZyb3plbnNldApxGV1xGksEYYVxG1JxHFgCAAAAYmFxHWNidWlsdGlucwpieXRlYXJyYXkKcR5DAmFicR+FcSBScSFYBgAAAHNoYXJlZHEiXXEjSwdhWAcAAABzaGFyZWQycSRoI1gCAAAAb2RxJWNjb2xsZWN0aW9ucwpPcmRlcmVkRGljdApxJilScSdYAQAAAGFxKEsBc0sDWAYAAABpbnRrZXlxKXUu',
  'gASVQwEAAAAAAAB9lCiMA2ludJRLAYwDbmVnlEqQ7v7/jANiaWeUigkAAAAAAAAAAECMBm5lZ2JpZ5SKCQAAAAAAAAAA/4wFZmxvYXSURz/4AAAAAAAAjANzdHKUjApow6lsbG8g5pellIwFYnl0ZXOUQwIA/5SMBGxpc3SUXZQoSwFdlEsCYWWMBXR1cGxllEsBSwKGlIwFZW1wdHmUKYwEbm9uZZROjAR0cnVllIiMBWZhbHNllImMA3NldJSPlChLA5CMBmZyb3plbpQoSwSRlIwCYmGUjAhidWlsdGluc5SMCWJ5dGVhcnJheZSTlEMCYWKUhZRSlIwGc2hhcmVklF2USwdhjAdzaGFyZWQylGgfjAJvZJSMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5QpUpSMAWGUSwFzSwOMBmludGtleZR1Lg==',
  'gAWVLQEAAAAAAAB9lCiMA2ludJRLAYwDbmVnlEqQ7v7/jANiaWeUigkAAAAAAAAAAECMBm5lZ2JpZ5SKCQAAAAAAAAAA/4wFZmxvYXSURz/4AAAAAAAAjANzdHKUjApow6lsbG8g5pellIwFYnl0ZXOUQwIA/5SMBGxpc3SUXZQoSwFdlEsCYWWMBXR1cGxllEsBSwKGlIwFZW1wdHmUKYwEbm9uZZROjAR0cnVllIiMBWZhbHNllImMA3NldJSPlChLA5CMBmZyb3plbpQoSwSRlIwCYmGUlgIAAAAAAAAAYWKUjAZzaGFyZWSUXZRLB2GMB3NoYXJlZDKUaBqMAm9klIwLY29sbGVjdGlvbnOUjAtPcmRlcmVkRGljdJSTlClSlIwBYZRLAXNLA4wGaW50a2V5lHUu',
];

const ctx = { file: 'mem.pkl', source: "'data.pkl'", op: 'test' };

/** Bytes from a mix of latin1 strings and byte arrays. */
function bytesOf(...parts: (string | number[])[]): Uint8Array {
  return Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)),
  );
}

function badPickle(data: Uint8Array, code: string, message: RegExp): void {
  assert.throws(
    () => unpickleTorch(data, ctx),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe('unpickle', () => {
  PICKLES.forEach((b64, protocol) => {
    it(`decodes CPython's protocol ${protocol} pickle of the sample object`, () => {
      const v = unpickleTorch(Buffer.from(b64, 'base64'), ctx) as Map<unknown, unknown>;
      assert.ok(v instanceof Map);
      assert.deepEqual(
        v,
        new Map<unknown, unknown>([
          ['int', 1],
          ['neg', -70000],
          ['big', 2n ** 70n],
          ['negbig', -(2n ** 64n)],
          ['float', 1.5],
          ['str', 'h\u00e9llo \u65e5'],
          ['bytes', Uint8Array.from([0, 255])],
          ['list', [1, [2]]],
          ['tuple', [1, 2]],
          ['empty', []],
          ['none', null],
          ['true', true],
          ['false', false],
          ['set', new Set([3])],
          ['frozen', new Set([4])],
          ['ba', Uint8Array.from([97, 98])],
          ['shared', [7]],
          ['shared2', [7]],
          ['od', new Map([['a', 1]])],
          [3, 'intkey'],
        ]),
      );
      assert.equal(v.get('shared'), v.get('shared2'), 'memoised objects stay shared');
      assert.ok(
        Object.isFrozen(v.get('tuple')) && !Object.isFrozen(v.get('list')),
        'tuples are frozen, lists are not',
      );
    });
  });

  it('records unknown globals and never runs them', () => {
    const marker = `/tmp/t2vlp-pickle-${process.pid}`;
    const evil = bytesOf(`cos\nsystem\n(S'touch ${marker}'\ntR.`);
    const v = unpickleTorch(evil, ctx);
    assert.ok(v instanceof PickleObject);
    assert.equal(v.cls.qualifiedName, 'os.system');
    assert.deepEqual(v.args, [`touch ${marker}`]);
    assert.equal(existsSync(marker), false);
    // Protocol 4 STACK_GLOBAL of builtins.eval, called: still only a record.
    const p4 = bytesOf(
      [0x80, 4],
      [0x8c, 8],
      'builtins',
      [0x8c, 4],
      'eval',
      [0x93],
      [0x8c, 3],
      '1+1',
      [0x85, 0x52, 0x2e],
    );
    const e = unpickle(p4, ctx) as PickleObject;
    assert.equal(e.cls.qualifiedName, 'builtins.eval');
    assert.deepEqual(e.args, ['1+1']);
  });

  it('builds TorchScript-style objects from NEWOBJ and BUILD', () => {
    // GLOBAL __torch__.m CLIP, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, MARK 'training' True 'w' 1 SETITEMS, BUILD, STOP
    const p = bytesOf(
      [0x80, 2],
      'c__torch__.m\nCLIP\n',
      [0x29, 0x81, 0x7d, 0x28],
      'X',
      [8, 0, 0, 0],
      'training',
      [0x88],
      'X',
      [1, 0, 0, 0],
      'w',
      [0x4b, 1, 0x75, 0x62, 0x2e],
    );
    const o = unpickle(p, ctx) as PickleObject;
    assert.ok(o.cls instanceof PickleGlobal);
    assert.equal(o.cls.qualifiedName, '__torch__.m.CLIP');
    assert.deepEqual(
      o.state,
      new Map<string, unknown>([
        ['training', true],
        ['w', 1],
      ]),
    );
  });

  it('turns torch storages and _rebuild_tensor_v2 into lazy tensor references', () => {
    // torch._utils._rebuild_tensor_v2(('storage', torch.FloatStorage, '0', 'cpu', 6), 1, (2, 2), (1, 2), False, OrderedDict())
    const p = bytesOf(
      [0x80, 2],
      'ctorch._utils\n_rebuild_tensor_v2\n(',
      '(',
      'X',
      [7, 0, 0, 0],
      'storage',
      'ctorch\nFloatStorage\n',
      'X',
      [1, 0, 0, 0],
      '0',
      'X',
      [3, 0, 0, 0],
      'cpu',
      [0x4b, 6],
      't',
      'Q',
      [0x4b, 1, 0x4b, 2, 0x4b, 2, 0x86, 0x4b, 1, 0x4b, 2, 0x86, 0x89],
      'ccollections\nOrderedDict\n',
      [0x29, 0x52],
      't',
      'R',
      '.',
    );
    const t = unpickleTorch(p, ctx);
    assert.ok(t instanceof TensorRef);
    assert.ok(t.storage instanceof StorageRef);
    assert.deepEqual(
      [t.dtype, t.offset, t.shape, t.stride, t.storage.key, t.storage.numel],
      ['float32', 1, [2, 2], [1, 2], '0', 6],
    );
  });

  it('unwraps TorchScript typed containers (restore_type_tag, build_tensorlist)', () => {
    // restore_type_tag({'k': 1}, 'Dict[str, int]') and build_intlist([5])
    const p = bytesOf(
      [0x80, 2],
      'ctorch.jit._pickle\nrestore_type_tag\n',
      [0x7d],
      'X',
      [1, 0, 0, 0],
      'k',
      [0x4b, 1, 0x73],
      'X',
      [14, 0, 0, 0],
      'Dict[str, int]',
      [0x86, 0x52],
      'ctorch.jit._pickle\nbuild_intlist\n',
      [0x5d, 0x4b, 5, 0x61, 0x85, 0x52, 0x86, 0x2e],
    );
    assert.deepEqual(unpickleTorch(p, ctx), [new Map([['k', 1]]), [5]]);
  });

  it('reports damaged and unsupported streams', () => {
    const good = Buffer.from(PICKLES[2]!, 'base64');
    badPickle(
      good.subarray(0, 40),
      'BAD_PICKLE',
      /^test: 'data\.pkl' in 'mem\.pkl': the pickle ends inside an opcode \(needs \d+ more bytes\); the file is truncated or corrupt \(pickle byte \d+\)$/,
    );
    badPickle(
      good.subarray(0, good.length - 1),
      'BAD_PICKLE',
      /the pickle ends without a STOP opcode/,
    );
    badPickle(
      bytesOf([0x80, 2, 0xff]),
      'BAD_PICKLE',
      /unknown opcode 0xff; this is not a pickle stream, or it is corrupt \(pickle byte 2\)/,
    );
    badPickle(
      bytesOf([0x80, 6]),
      'UNSUPPORTED',
      /pickle protocol 6 is newer than the 5 this reader knows/,
    );
    badPickle(
      bytesOf([0x80, 2, 0x68, 9, 0x2e]),
      'BAD_PICKLE',
      /memo entry 9 is read before it is written/,
    );
    badPickle(
      bytesOf([0x80, 2, 0x4e, 0x51, 0x2e]),
      'BAD_PICKLE',
      /a persistent id is a None, expected a tuple/,
    );
    badPickle(bytesOf([0x80, 2, 0x2e]), 'BAD_PICKLE', /an opcode pops from an empty stack/);
  });
});
