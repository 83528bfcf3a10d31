"""A subject access export (services/subject_access.py) as files: the JSON exactly as exported,
and a plain HTML page a person can read and print (no script, no styles from elsewhere, one
file) to hand to the young person or their representative.

The page words the codes as the dashboard does (domain/vocabulary.py, domain/timeline.py) and
shows every field of every event beside the words: an export that left a field out would not
be everything held. Every value is escaped: it is the record's text, written by others.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from jinja2 import Environment

from domain import vocabulary as v
from domain.timeline import timeline_entries


def to_json(export: dict) -> str:
    return json.dumps(export, ensure_ascii=False, indent=2) + "\n"


def to_html(export: dict) -> str:
    journeys = [{**j, "titles": _titles(j["chronology"])} for j in export["journeys"]]
    return _TEMPLATE.render(x=export, journeys=journeys, v=v, words=_words, when=_when)


def _titles(chronology: list[dict]) -> dict[str, dict]:
    """event id -> the timeline's title and detail of the event, in the dashboard's words."""
    # The timeline takes the log's dates; the export holds the contract's ISO text.
    logged = [{**e, "occurred_on": date.fromisoformat(e["occurred_on"]) if e["occurred_on"] else None}
              for e in chronology]
    return {e["event_id"]: e for e in timeline_entries(logged, []) if e["event_id"]}


def _words(code: Any) -> str:
    return v.spelt_out(code) if isinstance(code, str) else str(code)


def _when(iso: str | None) -> str:
    """A date as the UK writes it; a moment as its date and time (UTC, as recorded)."""
    if not iso:
        return "-"
    if len(iso) == 10:
        return v.uk_date(date.fromisoformat(iso))
    moment = datetime.fromisoformat(iso)
    return f"{v.uk_date(moment.date())} {moment:%H:%M:%S} UTC"


_ENVIRONMENT = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

_TEMPLATE = _ENVIRONMENT.from_string("""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>Subject access export: LA {{ x.local_authority }}</title>
<style>
body { font-family: sans-serif; max-width: 60em; margin: 2em auto; line-height: 1.4; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
dl.fields { margin: 0; } dl.fields dt { font-weight: bold; } dl.fields dd { margin: 0 0 0.25em 1em; }
section.journey { page-break-before: always; }
</style>
</head>
<body>
{% macro value(item) %}
{% if item is mapping %}
<dl class="fields">
{% for key, inner in item.items() %}<dt>{{ words(key) }}</dt><dd>{{ value(inner) }}</dd>
{% endfor %}
</dl>
{% elif item is string %}{{ item }}
{% elif item is none %}-
{% elif item is sameas true %}yes
{% elif item is sameas false %}no
{% elif item is iterable %}
{% if item %}<ul>{% for inner in item %}<li>{{ value(inner) }}</li>{% endfor %}</ul>{% else %}none{% endif %}
{% else %}{{ item }}
{% endif %}
{% endmacro %}
<h1>Subject access export</h1>
<p>Everything held about one young person in the journeys of LA {{ x.local_authority }}: each journey's
state, deadlines, plans, participation and views, consent, census details, its full chronology
and every recorded read of it.</p>
<table>
<tr><th>LA child id</th><td>{{ x.child_id }}</td></tr>
<tr><th>Local authority</th><td>{{ x.local_authority }}</td></tr>
<tr><th>Exported</th><td>{{ when(x.exported_at) }}</td></tr>
<tr><th>Deadlines judged on</th><td>{{ when(x.deadlines_judged_on) }}</td></tr>
<tr><th>Journeys</th><td>{{ journeys | length }}</td></tr>
</table>
<h2>Journeys</h2>
<table>
<tr><th>Journey</th><th>Referred</th><th>Pathway</th><th>Stage</th><th>Closed</th></tr>
{% for j in journeys %}
<tr><td><a href="#{{ j.journey_id }}">{{ j.journey_id }}</a></td><td>{{ when(j.state.referral_date) }}</td>
<td>{{ v.pathway(j.state.pathway) }}</td><td>{{ v.stage(j.state.stage) }}</td>
<td>{% if j.state.closed %}{{ when(j.state.closed_on) }}: {{ v.closure_reason(j.state.closure_reason) }}{% else %}open{% endif %}</td></tr>
{% endfor %}
</table>
<h2>Contexts named in the journeys' weightings</h2>
<p>Context cases are about places and groups; they record nothing about a young person.</p>
{% if x.contexts_named %}
<table>
<tr><th>Context</th><th>Kind</th><th>Name</th><th>Named by journeys</th></tr>
{% for c in x.contexts_named %}
<tr><td>{{ c.context_id }}</td><td>{{ v.context_kind(c.kind) }}</td><td>{{ c.name }}</td><td>{{ c.journey_ids | join(", ") }}</td></tr>
{% endfor %}
</table>
{% else %}<p>None.</p>{% endif %}
{% for j in journeys %}
{% set s = j.state %}
<section class="journey" id="{{ j.journey_id }}">
<h2>Journey {{ j.journey_id }}</h2>
<h3>The young person</h3>
{% set yp = s.young_person %}
{% if yp is mapping %}
<table>
<tr><th>LA child id</th><td>{{ yp.id }}</td></tr>
<tr><th>Date of birth</th><td>{{ when(yp.date_of_birth) }}</td></tr>
<tr><th>Sex</th><td>{{ v.SEXES.get(yp.sex, yp.sex) }} ({{ yp.sex }})</td></tr>
<tr><th>Ethnicity</th><td>{{ v.ETHNICITIES.get(yp.ethnicity, yp.ethnicity) }} ({{ yp.ethnicity }})</td></tr>
{% for key, inner in yp.items() if key not in ("id", "date_of_birth", "sex", "ethnicity") %}
<tr><th>{{ words(key) }}</th><td>{{ value(inner) }}</td></tr>
{% endfor %}
</table>
{% else %}{{ value(yp) }}{% endif %}
<h3>The journey as it stands</h3>
<table>
<tr><th>Referral date</th><td>{{ when(s.referral_date) }}</td></tr>
<tr><th>Pathway</th><td>{{ v.pathway(s.pathway) }}</td></tr>
<tr><th>Stage</th><td>{{ v.stage(s.stage) }}</td></tr>
<tr><th>Closed</th><td>{% if s.closed %}{{ when(s.closed_on) }}: {{ v.closure_reason(s.closure_reason) }}{% else %}no{% endif %}</td></tr>
<tr><th>Timescale policy</th><td>{{ s.policy or "-" }}</td></tr>
<tr><th>Allocation</th><td>{{ value(s.allocation) }}</td></tr>
<tr><th>Independent chair</th><td>{{ s.chair or "-" }}</td></tr>
<tr><th>Harm types</th><td>{{ value(s.harm_types) }}</td></tr>
<tr><th>Transfers between pathways</th><td>{{ value(s.transfers) }}</td></tr>
<tr><th>Transition plan</th><td>{{ when(s.transition_plan_on) }}</td></tr>
</table>
<h3>Deadlines</h3>
{% if s.deadlines %}
<table>
<tr><th>Deadline</th><th>Due</th><th>Statutory due date</th><th>Status</th><th>Met on</th></tr>
{% for d in s.deadlines %}
<tr><td>{{ v.deadline(d.kind) }}</td><td>{{ when(d.due_on) }}</td><td>{{ when(d.original_due_on) }}</td>
<td>{{ v.STATUSES.get(d.status, d.status) }}</td><td>{{ when(d.met_on) }}</td></tr>
{% endfor %}
</table>
{% else %}<p>None.</p>{% endif %}
<h3>Plans</h3>
{{ value({"plan": s.plan, "care_plan": s.care_plan, "plan_findings": s.plan_findings}) }}
<h3>Context weightings</h3>
{{ value(s.context_weightings) }}
<h3>Participation and views</h3>
{{ value(s.participation) }}
<h3>Consent</h3>
{{ value(s.consents) }}
<h3>Census details and assessments</h3>
{{ value({"census": s.census, "assessments": s.assessments}) }}
<h3>Chronology</h3>
<p>Every event of the journey in the order it was recorded: when it happened, when it was
recorded and by whom, and everything it holds.</p>
<table>
<tr><th>#</th><th>Happened</th><th>What</th><th>Recorded</th><th>By</th><th>Everything it holds</th></tr>
{% for e in j.chronology %}
{% set t = j.titles.get(e.event_id) %}
<tr><td>{{ e.version }}</td><td>{{ when(e.occurred_on) }}</td>
<td>{{ t.title if t else words(e.type) }}{% if t and t.detail %}<br>{{ t.detail }}{% endif %}
{% if e.corrects %}<br>Corrects event {{ e.corrects }}{% endif %}
{% if e.corrected_by %}<br>Corrected by {{ e.corrected_by | join(", ") }}{% endif %}</td>
<td>{{ when(e.recorded_at) }}</td><td>{{ e.actor }} ({{ e.actor_role }})</td><td>{{ value(e.data) }}</td></tr>
{% endfor %}
</table>
<h3>Who has read this journey</h3>
{% if j.access_log %}
<table>
<tr><th>When</th><th>Who</th><th>Role</th><th>What</th><th>How</th><th>Detail</th></tr>
{% for a in j.access_log %}
<tr><td>{{ when(a.accessed_at) }}</td><td>{{ a.actor }}</td><td>{{ a.actor_role }}</td><td>{{ v.access_what(a.what) }}</td>
<td>{{ v.access_channel(a.channel) }}</td><td>{{ a.detail or "" }}</td></tr>
{% endfor %}
</table>
{% else %}<p>No reads recorded.</p>{% endif %}
</section>
{% endfor %}
</body>
</html>
""")
