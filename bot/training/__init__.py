"""Building the reader (:mod:`bot.reader`): training questions, labelled candidates, fitting, calibration.

Run by ``icgg train-reader`` only. Nothing here is imported by the app, the CLI's question commands or
the tests of answering: they use the committed weights in ``bot/models/reader/``.
"""
