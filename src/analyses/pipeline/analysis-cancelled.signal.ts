/** Thrown inside a run when the analysis is no longer running (cancelled, or taken over by a retry). */
export class AnalysisCancelledSignal extends Error {
  constructor(readonly analysisId: string) {
    super(`analysis ${analysisId} is no longer running`);
    this.name = 'AnalysisCancelledSignal';
  }
}
