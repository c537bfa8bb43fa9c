"""The `training` check: security awareness training records turned into named gaps.

The first guide names employee ignorance as one of the three causes of a breach and ends its plan
with "educate your team". This check reads what a business actually has (a learning platform's
export or a spreadsheet, and optionally the HR list of current staff) and says who is overdue,
never trained, a new hire past the window, a repeat phishing clicker, or on the roster but gone.

Modules, in the order data flows: table (bytes to cells, block by block) → columns (which header is
which field) → cells, dates (what cells mean, each distinct value once; every bad row reported) →
parse (the file's columns and records) → people (one person per learner, matched to staff) → rules
(the judgement) → findings (findings and facts) → check (the Check itself).
"""

from checks.training.check import TrainingCheck

__all__ = ["TrainingCheck"]
