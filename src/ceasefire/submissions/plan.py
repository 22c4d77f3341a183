"""Deciding what a batch of submissions does to the store: the idempotency and identity rules.

Run by the store adapter inside the batch's transaction, on what it looked up there, so no
other write can come between the decision and the commit:

* a key this user used before: the same body gets the first result again and stores
  nothing new (``REPLAY``); another body is refused (``REFUSE``, HTTP 409);
* a body the schema refuses: kept as a rejection with its reasons (``REJECT``);
* a report whose id is stored already: with the same content it is a duplicate (only the
  submission is recorded, so the key replays); with other content it is a conflict, kept as
  a rejection naming the id field (a report is never silently dropped);
* otherwise the observation is stored (``STORE``).

Items of one batch are decided in order, each seeing the ones before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from ceasefire.observations.model import Observation
from ceasefire.submissions.model import (
    Action,
    Outcome,
    ParseReport,
    Plan,
    Planner,
    PriorSubmission,
    Refused,
    Submission,
)

SUBMITTED_BY = "submitted_by"
# set from the submitter through the API (field_report.report_observation): not content
MONITOR_ID = "monitor_id"


def same_report(a: Observation, b: Observation) -> bool:
    """Whether two observations say the same thing, whoever sent them and however the JSON
    was spelled (raw text, origin and the submitter, and so a submitted report's monitor
    id, are not content)."""

    def content(o: Observation) -> Observation:
        attributes = {k: v for k, v in o.attributes.items() if k not in (SUBMITTED_BY, MONITOR_ID)}
        return replace(o, raw="", origin=None, attributes=attributes)

    return content(a) == content(b)


def make_planner(parse: ParseReport, id_field: str) -> Planner:
    """A planner for reports parsed by ``parse`` whose own id is the body's ``id_field``."""

    def stored_matches(raw: str, new: Observation) -> bool:
        try:
            parsed = parse(raw, "")
        except ValueError:  # a stored text the parser cannot read is not this report
            return False
        return isinstance(parsed, Observation) and same_report(parsed, new)

    def plan(
        batch: Sequence[Submission],
        prior: Mapping[tuple[str, str], PriorSubmission],
        stored: Mapping[str, str],
    ) -> list[Plan]:
        return plan_batch(batch, prior, stored, stored_matches, id_field)

    return plan


def plan_batch(
    batch: Sequence[Submission],
    prior: Mapping[tuple[str, str], PriorSubmission],
    stored: Mapping[str, str],
    stored_matches: Callable[[str, Observation], bool],
    id_field: str,
) -> list[Plan]:
    """One plan per submission (see the module's docstring for the rules)."""
    plans: list[Plan] = []
    first_of_key: dict[tuple[str, str], int] = {}
    stored_here: dict[str, Observation] = {}  # uid -> observation stored earlier in the batch
    for i, item in enumerate(batch):
        key = (item.submitter, item.key)
        earlier = prior.get(key)
        if earlier is not None:
            same = earlier.body_sha256 == item.body_sha256
            plans.append(
                Plan(Action.REPLAY, replay=earlier.result) if same else Plan(Action.REFUSE)
            )
            continue
        if key in first_of_key:
            first = first_of_key[key]
            same = batch[first].body_sha256 == item.body_sha256
            plans.append(Plan(Action.REPLAY, same_as=first) if same else Plan(Action.REFUSE))
            continue
        first_of_key[key] = i
        if isinstance(item.parsed, Refused):
            plans.append(Plan(Action.REJECT, Outcome.REJECTED, item.parsed.problems))
            continue
        uid = item.uid
        assert uid is not None
        if uid in stored_here:
            same = same_report(stored_here[uid], item.parsed)
        elif uid in stored:
            same = stored_matches(stored[uid], item.parsed)
        else:
            stored_here[uid] = item.parsed
            plans.append(Plan(Action.STORE, Outcome.ACCEPTED))
            continue
        if same:
            plans.append(Plan(Action.RECORD, Outcome.DUPLICATE))
        else:
            # one message whoever holds the id: nothing about the other report (nor its uid)
            problem = (id_field, "this id is taken by a different report; give it a new id")
            plans.append(Plan(Action.REJECT, Outcome.CONFLICT, (problem,)))
    return plans
