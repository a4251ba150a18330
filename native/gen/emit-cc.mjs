// Writes native/src/gen/ops.gen.cc from the normalised native ops (see generate.mjs): one N-API
// function per op that converts each argument, calls libtorch once inside guard() and wraps the
// result, plus the registration function.

// Per argument kind: the C++ type of the local variable and the converter in handle.cc.
const CONV = {
  T: ['const at::Tensor&', 'unwrap'],
  'T?': ['opt<at::Tensor>', 'argTopt'],
  TL: ['std::vector<at::Tensor>', 'argTL'],
  OTL: ['c10::List<opt<at::Tensor>>', 'argOTL'],
  S: ['at::Scalar', 'argS'],
  'S?': ['opt<at::Scalar>', 'argSopt'],
  D: ['double', 'argD'],
  'D?': ['opt<double>', 'argDopt'],
  I: ['int64_t', 'argI'],
  'I?': ['opt<int64_t>', 'argIopt'],
  IA: ['std::vector<int64_t>', 'argIA'],
  B: ['bool', 'argB'],
  DT: ['at::ScalarType', 'argDT'],
  'DT?': ['opt<at::ScalarType>', 'argDTopt'],
  STR: ['std::string', 'argSTR'],
};
export const ARG_KINDS = Object.keys(CONV);

// Argument names that are C++ keywords or collide with libtorch names get a trailing underscore
// as C++ variables (the JavaScript-facing name in error messages stays the declared one).
const RESERVED = new Set(['from', 'to', 'end', 'min', 'max', 'index', 'stride', 'self_', 'info', 'std', 'at']);
export const cppVar = (name) => (RESERVED.has(name) ? `${name}_` : name);

function renderArg(a, vars, where) {
  if (typeof a === 'string') {
    if (!(a in vars)) throw new Error(`${where}: the call uses '${a}', which is not a declared argument`);
    return vars[a];
  }
  switch (a.form) {
    case 'options': {
      const dt = `at::TensorOptions().dtype(${renderArg(a.name, vars, where)})`;
      return a.device ? `${dt}.device(at::Device(${renderArg(a.device, vars, where)}))` : dt;
    }
    case 'device': return `at::Device(${renderArg(a.name, vars, where)})`;
    case 'literal': return a.text;
    default: throw new Error(`${where}: unknown argument form ${JSON.stringify(a)}`);
  }
}

/** The C++ expression of an op's libtorch call. */
function renderCall(n, vars) {
  const where = `op ${n.name}`;
  const c = n.call;
  const list = () => (c.args ?? []).map((a) => renderArg(a, vars, where)).join(', ');
  // Every declared argument must reach libtorch: a typo in the call would otherwise drop one.
  const used = new Set((c.args ?? []).flatMap((a) => (typeof a === 'string' ? [a] : [a.name, a.device])).filter(Boolean));
  if (c.call === 'method') used.add(n.args[0].name);
  switch (c.call) {
    case 'function':
      break;
    case 'method':
      if (n.args[0]?.kind !== 'T') throw new Error(`${where}: a method call needs a tensor as the first argument`);
      break;
    case 'composite': {
      const expr = c.build(vars);
      for (const a of n.args) if (!expr.includes(vars[a.name])) throw new Error(`${where}: the composite does not use '${a.name}'`);
      return expr;
    }
    default:
      throw new Error(`${where}: unknown call shape ${JSON.stringify(c)}`);
  }
  for (const a of n.args) if (!used.has(a.name)) throw new Error(`${where}: argument '${a.name}' is declared but not passed to libtorch`);
  return c.call === 'function' ? `${c.name}(${list()})` : `${vars[n.args[0].name]}.${c.name}(${list()})`;
}

export function emitCc(natives, header) {
  const cc = [header, '#include "../common.h"', '', 'namespace t2 {', ''];
  const reg = [];
  for (const n of natives) {
    const vars = Object.fromEntries(n.args.map((a) => [a.name, cppVar(a.name)]));
    const fnName = `op_${n.name.replace(/_$/, '_ip')}`;
    if (n.doc) cc.push(`// ${n.name}: ${n.doc}${n.call.call === 'composite' ? ` (composite: ${n.call.why})` : ''}`);
    cc.push(`static Napi::Value ${fnName}(const Napi::CallbackInfo& info) {`);
    cc.push(`  return guard(info, "${n.display}", [&]() -> Napi::Value {`);
    n.args.forEach((a, i) => {
      const [type, conv] = CONV[a.kind];
      cc.push(`    ${type} ${vars[a.name]} = ${conv}(info, ${i}, "${n.display}", "${a.name}");`);
    });
    const body = renderCall(n, vars);
    switch (n.returns) {
      case 'T': cc.push(`    return retT(info.Env(), ${body});`); break;
      case 'T2': cc.push(`    return retT2(info.Env(), ${body});`); break;
      case 'TL': cc.push(`    return retTL(info.Env(), ${body});`); break;
      case 'V': cc.push(`    ${body};`, '    return info.Env().Undefined();'); break;
      case 'D': cc.push(`    return Napi::Number::New(info.Env(), ${body});`); break;
      case 'B': cc.push(`    return Napi::Boolean::New(info.Env(), ${body});`); break;
      default: throw new Error(`op ${n.name}: bad return kind ${n.returns}`);
    }
    cc.push('  });', '}', '');
    reg.push(`  exports.Set("${n.name}", Napi::Function::New(env, ${fnName}, "${n.name}"));`);
  }
  cc.push('void registerGeneratedOps(Napi::Env env, Napi::Object exports) {', ...reg, '}', '', '}  // namespace t2', '');
  return cc.join('\n');
}
