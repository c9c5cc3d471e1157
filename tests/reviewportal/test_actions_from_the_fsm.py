"""The actions' states come from the FSM: every transition of a reviewable item is some
action's, and each action starts exactly where its transition does."""

from django_fsm import FSMField

from reviewportal.models.lifecycle import ReviewableModel, ReviewState
from reviewportal.permissions import ACTION_STATES, ACTION_TRANSITIONS, Action


def _transitions() -> dict[str, set[str]]:
    found = {}
    for name in dir(ReviewableModel):
        meta = getattr(getattr(ReviewableModel, name, None), "_django_fsm", None)
        if meta is not None and isinstance(meta.field, FSMField | str):
            found[name] = set(meta.transitions)
    return found


def test_every_transition_belongs_to_an_action():
    # Resubmitting is what editing a submitted item does.
    assert set(_transitions()) == {*ACTION_TRANSITIONS.values(), "resubmit"}


def test_each_action_starts_where_its_transition_does():
    transitions = _transitions()
    for action, name in ACTION_TRANSITIONS.items():
        assert set(ACTION_STATES[action]) == transitions[name], action
    assert set(ACTION_STATES[Action.EDIT]) == {ReviewState.DRAFT, *transitions["resubmit"]}


def test_every_action_has_its_states():
    assert set(ACTION_STATES) == set(Action)
