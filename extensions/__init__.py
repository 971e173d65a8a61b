"""Rasa-facing glue: NLU pipeline components, the tracker and lock stores, model loading, the
health routes and the triage CLI (`python -m bot.triage`).

They import Rasa; the logic they wrap lives in `bot/`, which never imports Rasa.
"""
