"""`python -m embedding_worker [--burst]`: load the model once, then work the queues."""
import sys

from embedding_worker.context import create
from shared.worker import main

if __name__ == "__main__":
    sys.exit(main("embedding", create))
