"""`python -m llm_worker [--burst]`: load the model once, then work the queues."""
import sys

from llm_worker.context import create
from shared.worker import main

if __name__ == "__main__":
    sys.exit(main("llm", create))
