"""Rasa-facing extensions: the NLU safety-net component and the tracker store.

They import Rasa; the logic they wrap lives in `bot/`, which never imports Rasa.
"""
