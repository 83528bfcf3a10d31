"""Reports read from the read models and the event log (no service needed): the ROTH dataset,
the cohort report with its charts, and the CIN census return with its readiness."""
