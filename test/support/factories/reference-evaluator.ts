// The simple oracle lives beside the engine so the benchmark can compile it; tests import it from here.
export {
  referenceEvaluateNetworkAcl,
  referenceEvaluateSecurityGroups,
  referenceExplainFlow,
} from '../../../src/engine/evaluate/reference-evaluator';
