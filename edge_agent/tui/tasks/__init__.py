"""The app's work that runs off the UI thread, one module per purpose.

Nothing here imports Textual. Each function opens the stores it needs on the
calling thread (SQLite connections stay on the thread that opened them) and
closes them before it returns. The screens import these modules inside their
workers, so the app's first screen never waits for the knowledge base, the
policy engine, the model runtime or the OCR stack to be imported.
"""
