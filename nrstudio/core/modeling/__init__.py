"""From table to trusted numbers: SMOTE-REG, networks, baselines, metrics, evaluation protocols,
final models and predictions, LIME explanations, the headless pipeline, its figures and verdicts."""
