"""Pages of the evaluation app (server-rendered; the API serves the same services)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from evaluation.selectors import NEXT_STEP, home_summary


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What each person owes this month, and by when; their notifications."""
    summary = home_summary(user=request.user)
    own = [
        {
            "evaluation": e,
            "next_step": NEXT_STEP[e.status][0],
            "due": getattr(e.period, NEXT_STEP[e.status][1]) if NEXT_STEP[e.status][1] else None,
        }
        for e in summary.own
    ]
    return render(request, "evaluation/home.html", {"summary": summary, "own": own})
