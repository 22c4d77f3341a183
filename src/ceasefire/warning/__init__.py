"""Early warning of renewed attacks and escalation, held to an honest backtest.

The pipeline, one module per step:

- ``signals``: which observations feed which daily series (fires, alerts, attacks, conflict);
- ``records``, ``inputs`` and ``areas``: observations as columns (from files through the
  source adapters, or from a store), and where each one counts (oblast, 25 km cell in the
  metric projection, the whole country);
- ``series``: daily counts per area, with the day each value became known;
- ``pmf``, ``baselines``, ``features``, ``detectors``, ``nbglm``, ``forecast``: predictive
  distributions for the next day's count, from four baselines and a negative-binomial
  regression on own, neighbours' and national lags and two change detectors;
- ``events``: the two warning events (renewed activity after a quiet spell, escalation above
  the recent level) and their probabilities;
- ``holdout``: fitting and tuning on the days before the hold-out only;
- ``issue`` and ``model``: the day's warnings as records;
- ``backtest``, ``metrics``, ``plots``: rolling-origin evaluation.

See docs/early-warning.md.
"""
