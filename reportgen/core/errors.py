"""Errors that reach the user: each names where the problem is and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field

# Exit codes of the `reportgen` command (README, "Exit codes"): distinct for pipelines.
EXIT_OK = 0
EXIT_INPUT = 1          # the user's input (data, templates, style, settings): nothing, or no document, built
EXIT_USAGE = 2          # the command line itself (click's usage errors)
EXIT_PARTIAL = 3        # some documents built, others failed (their old files are unchanged)
EXIT_INTERNAL = 4       # a bug of reportgen's
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: stopped, what finished is recorded


@dataclass
class Problem:
    """One problem found in the user's input.

    ``where`` names the place a user can open: ``data/2024/lucheng/indicators.xlsx 指标!C12``,
    ``templates/summary_plan.md.j2:14`` …; ``message`` says what is wrong; ``hint`` how to fix it.
    """

    where: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        from .i18n import _

        text = _("{where}：{message}").format(where=self.where, message=self.message) if self.where else self.message
        if self.hint:
            text += "\n    " + _("提示：") + self.hint
        return text


class ReportgenError(Exception):
    """A failure caused by the user's input or environment; printed without a traceback."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ProblemList:
    """Collects every problem of a run so that all of them are reported at once."""

    problems: list[Problem] = field(default_factory=list)
    #: things worth a look that do not stop anything (a hidden sheet or row whose data are used …)
    warnings: list[Problem] = field(default_factory=list)

    def warn(self, where: str, message: str, hint: str = "") -> None:
        if not any(w.where == where and w.message == message for w in self.warnings):
            self.warnings.append(Problem(where, message, hint))

    def add(self, where: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(where, message, hint))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ReportgenError(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)
