"""Risk screening of patient messages, Finnish and English (``docs/risk-screen.md``).

``screen`` runs the rules (``rules``) and the learned layer (``model``, built by
``training`` from ``corpus/``); ``levels`` orders the levels; ``protocol``,
``support`` and ``alerts`` are what a crisis sets off; ``corrections`` and
``against_clinicians`` are the reviewers' verdicts on the screen.
"""
