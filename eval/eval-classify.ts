import { CORPUS_SEED, generateCorpus } from './classification-corpus';
import { evaluateClassification, renderEvaluation } from './evaluate-classification';

/** `npm run eval:classify [-- SEED]`: prints the classification's confusion matrix on the labelled corpus; exit 1 when a goal is missed. */
function main(): number {
  const seed = process.argv[2] ? Number(process.argv[2]) : CORPUS_SEED;
  if (!Number.isInteger(seed)) {
    process.stderr.write('usage: eval-classify [SEED]\n');
    return 2;
  }
  const evaluation = evaluateClassification(generateCorpus(seed));
  process.stdout.write(renderEvaluation(evaluation, seed));
  return evaluation.scannerRecordsNoise >= 0.95 && evaluation.misconfigurationRecordsNoise <= 0.01 ? 0 : 1;
}

process.exitCode = main();
