//! `check`: the pre-commit guardrails (issue 7).
