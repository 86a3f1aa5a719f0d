"""Insights (what residents ask, fallbacks, handovers, unmet demand) and the change log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import select

from staff_console.charts import bar_chart, line_chart
from staff_console.db import AuditEntry
from staff_console.routes import console
from staff_console.routes.auth import role
from staff_console.transcripts import group_by_wording

blueprint = Blueprint("insights", __name__)


@blueprint.get("/insights")
@role("viewer")
def insights() -> Any:
    """Charts of the last 7 and 30 days, and the questions the assistant could not answer."""
    reader = console().reader
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    if not reader.available():
        return render_template("insights.html", charts=[], unmet=[])
    top = reader.intent_counts(week)
    days = reader.daily_rates(month)
    unmet = group_by_wording(reader.unmet_demand(month))[:15]
    handovers = reader.handover_actions(month)
    charts = [
        bar_chart(top, "Top intents in the last 7 days"),
        line_chart([(d.isoformat(), 100 * f / m if m else 0.0) for d, m, f, _ in days],
                   "Fallback rate per day (share of resident messages), last 30 days"),
        bar_chart([(u["label"][:40], len(u["messages"])) for u in unmet[:10]],
                  "Questions the assistant could not answer (grouped), last 30 days"),
        line_chart([(d.isoformat(), float(h)) for d, _, _, h in days], "Handovers per day, last 30 days",
                   unit=""),
        bar_chart(handovers, "Handovers started and cases created, last 30 days"),
    ]
    return render_template("insights.html", charts=charts, unmet=unmet)


@blueprint.get("/audit")
@role("viewer")
def audit_log() -> Any:
    """The change log: who corrected, trained, published or rolled back what."""
    entries = console().sessions().execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)).scalars().all()
    return render_template("audit.html", entries=entries)
