/**
 * Likelihoods p(x|z) composed with decoders into energy graphs E(z; x) = -log p(x|z) + |z|^2 / 2, and the
 * EnergyModel runtime that evaluates them (energies, dE/dz, parameter gradients, metrics) for the samplers
 * and trainers.
 *
 * @module likelihoods
 */
export type { EnergyEvaluation, EnergyFunction } from './energy-function.js';
export { likelihoodFromFlags, LOG_SIGMA_PARAM, parseSigma, type Likelihood, type LikelihoodInput, type LikelihoodSpec, type LikelihoodTerms, type OutputForm, type SigmaSpec } from './spec.js';
export { bernoulli } from './bernoulli.js';
export { gaussian } from './gaussian.js';
export { DEFAULT_BINS, discretized } from './discretized.js';
export { DEFAULT_MIN_SIGMA } from './sigma.js';
export { buildEnergyGraph, ENERGY_NAMES, likelihoodOf, type EnergyGraph, type EnergyGraphOptions } from './energy-graph.js';
export { energyRunModel, runOutputs, type EnergyRun } from './energy-runs.js';
export { EnergyModel, type EnergyMetrics, type EnergyModelOptions, type FullEvaluation } from './energy-model.js';
