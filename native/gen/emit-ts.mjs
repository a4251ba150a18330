// Writes the TypeScript side from the normalised ops (see generate.mjs):
//   src/torch/gen/ops.ts             the addon's interface for the generated native functions;
//   src/torch/gen/tensor-methods.ts  abstract class TensorMethods, the base of Tensor, with one
//                                    method per declared Tensor method.

const NATIVE_ARG = {
  T: 'Handle', 'T?': 'Handle | null', TL: 'Handle[]', OTL: '(Handle | null)[]', S: 'number | boolean | bigint',
  'S?': 'number | null', D: 'number', 'D?': 'number | null', I: 'number', 'I?': 'number | null',
  IA: 'number[]', B: 'boolean', DT: 'DType', 'DT?': 'DType | null', STR: 'string',
};
const NATIVE_RET = { T: 'Handle', T2: '[Handle, Handle]', TL: 'Handle[]', V: 'void', D: 'number', B: 'boolean' };
const METHOD_RET = { T: 'Tensor', T2: '{ values: Tensor; indices: Tensor }', TL: 'Tensor[]', V: 'this', D: 'number', B: 'boolean' };

export function emitNativeInterface(natives, header) {
  const ts = [
    header,
    "import type { DType } from '../dtype.js';",
    '',
    '/** An opaque native tensor handle. */',
    'export type Handle = { readonly __handle: unique symbol };',
    '',
    'export interface GeneratedOps {',
  ];
  for (const n of natives) {
    if (n.doc) ts.push(`  /** ${n.doc} */`);
    ts.push(`  ${n.name}(${n.args.map((a) => `${a.name}: ${NATIVE_ARG[a.kind]}`).join(', ')}): ${NATIVE_RET[n.returns]};`);
  }
  ts.push('}', '', `export const GENERATED_OP_NAMES = ${JSON.stringify(natives.map((n) => n.name))} as const;`, '');
  return ts.join('\n');
}

const literal = (v) => (typeof v === 'string' ? `'${v}'` : String(v));

function paramDecl(p, { forceRequired = false, signature = false } = {}) {
  if (p.rest) return `...${p.name}: number[] | [number[]]`;
  if (p.default !== undefined) {
    if (signature) return `${p.name}?: ${p.ts}`;
    const inferred = (p.ts === 'number' && typeof p.default === 'number') || (p.ts === 'boolean' && typeof p.default === 'boolean');
    return inferred ? `${p.name} = ${literal(p.default)}` : `${p.name}: ${p.ts} = ${literal(p.default)}`;
  }
  if (p.optional && !forceRequired) return `${p.name}?: ${p.ts}`;
  return `${p.name}: ${p.ts}`;
}

/** The JavaScript expression passing method parameter(s) to native argument `a`. */
function argExpr(a, m, op) {
  const p = m.params.find((q) => q.name === (a.from ?? a.name));
  if (!p) {
    if (a.fixed !== undefined) return literal(a.fixed);
    if (a.kind.endsWith('?')) return 'null';
    throw new Error(`method ${m.name}: native argument '${a.name}' of ${op} has no parameter (add one, or 'from'/'fixed')`);
  }
  const v = p.name;
  switch (a.kind) {
    case 'T': return `${v}.handleFor('${m.name}')`;
    case 'T?': return `${v} ? ${v}.handleFor('${m.name}') : null`;
    case 'TL': return `${v}.map((t) => t.handleFor('${m.name}'))`;
    case 'OTL': return `${v}.map((t) => (t ? t.handleFor('${m.name}') : null))`;
    case 'IA':
      if (p.rest) return `Array.isArray(${v}[0]) ? ${v}[0] : (${v} as number[])`;
      if (p.dims) return `([] as number[]).concat(${v})`;
      return v;
    case 'S':
      if (a.scaledBy) return `${a.scaledBy} === 1 ? ${v} : Number(${v}) * ${a.scaledBy}`;
      return v;
    default:
      return a.kind.endsWith('?') && p.optional && p.default === undefined ? `${v} ?? null` : v;
  }
}

function condition(w) {
  switch (w.test) {
    case 'tensor': return `${w.param} instanceof TensorMethods`;
    case 'undefined': return `${w.param} === undefined`;
    case 'array': return `Array.isArray(${w.param})`;
    case 'true': return w.param;
    default: throw new Error(`unknown condition ${JSON.stringify(w)}`);
  }
}

/** Statements that call one variant's native op and return the method's result. */
function callVariant(v, m) {
  const n = v.native;
  const args = [`this.handleFor('${m.name}')`, ...n.args.slice(1).map((a) => argExpr(a, m, n.name))];
  const call = `native.${n.name}(${args.join(', ')})`;
  switch (n.returns) {
    case 'T': return [`return new TensorClass(${call});`];
    case 'T2': return [`const [values, indices] = ${call};`, 'return { values: new TensorClass(values), indices: new TensorClass(indices) };'];
    case 'TL': return [`return ${call}.map((h) => new TensorClass(h));`];
    case 'V': return [`${call};`, 'return this;'];
    default: return [`return ${call};`];
  }
}

const jsdoc = (text, indent) => (text ? [`${indent}/** ${text} */`] : []);

function emitMethod(m) {
  const out = [];
  const rets = [...new Set(m.variants.map((v) => METHOD_RET[v.native.returns]))];
  if (rets.length > 1) {
    // One TypeScript overload signature per variant, with the parameters that variant reads.
    for (const v of m.variants) {
      const used = new Set(v.native.args.slice(1).map((a) => a.from ?? a.name));
      const ps = m.params.filter((p) => used.has(p.name));
      out.push(...jsdoc(v.doc ?? m.doc, '  '));
      out.push(`  ${m.name}(${ps.map((p) => paramDecl(p, { forceRequired: true, signature: true })).join(', ')}): ${METHOD_RET[v.native.returns]};`);
    }
  } else out.push(...jsdoc(m.doc, '  '));
  out.push(`  ${m.name}(${m.params.map((p) => paramDecl(p)).join(', ')}): ${rets.join(' | ')} {`);
  for (const v of m.variants) {
    const body = callVariant(v, m);
    if (v.when) out.push(`    if (${condition(v.when)}) {`, ...body.map((s) => `      ${s}`), '    }');
    else out.push(...body.map((s) => `    ${s}`));
  }
  out.push('  }');
  return out;
}

function emitAlias(a, methods) {
  const target = methods.find((m) => m.name === a.of);
  if (!target) throw new Error(`alias ${a.name}: no method '${a.of}'`);
  const args = a.pass.map((x) => (typeof x === 'string' ? x : literal(x)));
  const ret = METHOD_RET[target.variants[0].native.returns];
  return [...jsdoc(a.doc, '  '), `  ${a.name}(${a.params.map((p) => paramDecl(p)).join(', ')}): ${ret} {`, `    return this.${a.of}(${args.join(', ')});`, '  }'];
}

export function emitTensorMethods(methods, aliases, header, intro) {
  const needsDType = methods.some((m) => m.params.some((p) => /\bDType\b/.test(p.ts)));
  const ts = [
    header,
    intro,
    ...(needsDType ? ["import type { DType } from '../dtype.js';"] : []),
    "import { native } from '../native.js';",
    "import type { Scalar, Tensor } from '../tensor.js';",
    "import type { Handle } from './ops.js';",
    '',
    '// Set by tensor.ts once Tensor is defined (this module cannot import it at run time: Tensor extends TensorMethods).',
    'let TensorClass: new (handle: Handle) => Tensor;',
    '',
    '/** Called once by tensor.ts: the class every generated method returns instances of. */',
    'export function bindTensorClass(ctor: new (handle: Handle) => Tensor): void {',
    '  TensorClass = ctor;',
    '}',
    '',
    '/** The generated Tensor methods; `Tensor` (tensor.ts) extends this class with the hand-written glue. */',
    'export abstract class TensorMethods {',
    '  /** The native handle; throws a TorchError (TORCH_DISPOSED) naming `op` after dispose(). */',
    '  abstract handleFor(op: string): Handle;',
    '',
  ];
  const body = [];
  for (const m of methods) body.push(emitMethod(m).join('\n'));
  for (const a of aliases) body.push(emitAlias(a, methods).join('\n'));
  ts.push(body.join('\n\n'), '}', '');
  return ts.join('\n');
}
