/** Helpers for the tests of the tensor layer and of the code built on it: numeric comparison and gradient checking. */
export {
  assertClose,
  values,
  jsRandom,
  uniformValues,
  type CloseOptions,
  type Numeric,
} from './assert-close.js';
export { gradcheck, GradcheckError, type GradcheckOptions } from './gradcheck.js';
