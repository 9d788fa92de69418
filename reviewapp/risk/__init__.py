"""Risk screening of patient messages, Finnish and English. See ``screen`` and ``rules``."""
