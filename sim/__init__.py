"""msgops sim: wire-level simulators of the messaging tiers, one folder per tier.

``msgops.sim.rabbitmq`` (management HTTP + AMQP 0-9-1), ... Each tier's folder holds its servers,
its model, its demo (``demo.py``) and a CLI (``python -m msgops.sim TIER ...``). Importing
``msgops.sim`` loads nothing else, and nothing here ever imports Textual or Rich.
"""
