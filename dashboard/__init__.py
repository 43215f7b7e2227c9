"""Observatoire de l'insertion — a territorial insertion observatory built on Dash."""
