"""`python -m llm_worker [--burst]`: load the model once, then work the queues."""
import sys

from llm_worker.model import get_model
from shared.worker import main

if __name__ == "__main__":
    sys.exit(main("llm", get_model))
